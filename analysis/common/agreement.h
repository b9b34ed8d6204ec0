#pragma once
// Agreement between two score maps (an estimate and its ground truth): Pearson and Spearman
// correlation and top-k overlap, over the flattened maps. Accumulated in double.
#include <cstddef>
#include <span>

namespace scalpel {

// NaN when either side is constant (no correlation is defined) or the sizes differ or are < 2.
double pearson(std::span<const double> a, std::span<const double> b);
// Pearson correlation of the ranks; ties get their average rank.
double spearman(std::span<const double> a, std::span<const double> b);
// |top-k of a by |value|| ∩ |top-k of b by |value|| / k, ties broken by index; k is clamped to the size.
double topKOverlap(std::span<const double> a, std::span<const double> b, size_t k);

}  // namespace scalpel

// Sharded checkpoints (formats.md §1, "Sharding"): model.safetensors.index.json or
// pytorch_model.bin.index.json = {"metadata": {...}, "weight_map": {tensor: shard file}}.
// Each shard's header is parsed when the index is opened (the tensor list needs dtypes and
// shapes); tensor bytes stay mapped and are read only when a tensor is loaded. Tensors are
// listed in weight_map key order (sorted by name, as Hugging Face writes it anyway).
#include <filesystem>
#include <map>
#include <set>

#include "data/readers.h"
#include "data/safetensors.h"
#include "data/strict_json.h"

namespace scalpel {

namespace {

using Json = nlohmann::json;
namespace fs = std::filesystem;

// Shard names come from an untrusted file: keep them inside the index's folder.
fs::path shardPath(const fs::path& folder, const std::string& shard, const std::string& tensor) {
    if (shard.empty()) fail("weight_map entry for tensor '" + tensor + "' names an empty shard file");
    fs::path rel(shard);
    if (rel.is_absolute()) fail("shard '" + shard + "' (tensor '" + tensor + "') must be a path relative to the index folder");
    for (const auto& part : rel)
        if (part == "..") fail("shard '" + shard + "' (tensor '" + tensor + "') must not leave the index folder");
    return folder / rel;
}

struct Shard {
    TensorFile file;
    std::map<std::string, size_t> byName;
    bool pytorch = false;
};

Shard openShard(const fs::path& path, const std::string& shardName) {
    Shard s;
    auto mapped = MappedFile::open(path.string());
    if (!mapped) fail("cannot open shard '" + shardName + "': " + mapped.error().message);
    Result<TensorFile> r = looksLikeSafetensors(**mapped)
                               ? catchError(path.string(), [&] { return parseSafetensors(*mapped); })
                               : readPytorchCheckpoint(path.string());
    if (!r) fail("shard '" + shardName + "': " + r.error().message);
    s.pytorch = !looksLikeSafetensors(**mapped);
    s.file = std::move(*r);
    for (size_t i = 0; i < s.file.tensors.size(); ++i) s.byName.emplace(s.file.tensors[i].info.name, i);
    return s;
}

void readIndexMetadata(const Json& j, TensorFile& out) {
    if (!j.contains("metadata") || j["metadata"].is_null()) return;
    const Json& meta = j["metadata"];
    if (!meta.is_object()) fail("\"metadata\" must be an object, found " + std::string(meta.type_name()));
    for (const auto& [k, v] : meta.items()) out.metadata[k] = v.is_string() ? v.get<std::string>() : v.dump();
}

}  // namespace

TensorFile parseSafetensorsIndex(std::shared_ptr<const MappedFile> index) {
    auto bytes = index->all();
    if (bytes.size() > kSafetensorsMaxHeader)
        fail("index is " + std::to_string(bytes.size()) + " bytes, over the limit of " + std::to_string(kSafetensorsMaxHeader));
    if (auto bad = findInvalidUtf8(bytes)) fail("index is not valid UTF-8 at byte offset " + std::to_string(*bad));
    Json j = parseStrictJson(bytes, "index");
    if (!j.is_object() || !j.contains("weight_map")) fail("index is not an object with a \"weight_map\"");
    const Json& map = j["weight_map"];
    if (!map.is_object()) fail("\"weight_map\" must be an object {tensor: shard file}, found " + std::string(map.type_name()));
    if (map.size() > kSafetensorsMaxTensors)
        fail("weight_map lists " + std::to_string(map.size()) + " tensors, over the limit of " + std::to_string(kSafetensorsMaxTensors));

    TensorFile out;
    out.path = index->path();
    readIndexMetadata(j, out);
    const fs::path folder = fs::path(index->path()).parent_path();

    std::map<std::string, Shard> shards;  // by shard name as written in the index
    std::vector<std::string> order;       // shards in order of first mention
    bool anyPytorch = false, anySafetensors = false;
    for (const auto& [tensor, shardJson] : map.items()) {
        if (!shardJson.is_string())
            fail("weight_map entry for tensor '" + tensor + "' must be a file name, found " + shardJson.dump());
        const std::string shardName = shardJson.get<std::string>();
        auto it = shards.find(shardName);
        if (it == shards.end()) {
            it = shards.emplace(shardName, openShard(shardPath(folder, shardName, tensor), shardName)).first;
            order.push_back(shardName);
            (it->second.pytorch ? anyPytorch : anySafetensors) = true;
        }
        const Shard& shard = it->second;
        auto found = shard.byName.find(tensor);
        if (found == shard.byName.end())
            fail("tensor '" + tensor + "' is mapped to shard '" + shardName + "', which does not contain it");
        out.tensors.push_back(shard.file.tensors[found->second]);
    }

    // A tensor stored in two shards is ambiguous even if the map names only one of them.
    std::map<std::string, std::string> owner;
    size_t unmapped = 0;
    for (const auto& name : order) {
        for (const auto& e : shards.at(name).file.tensors) {
            auto [it, fresh] = owner.emplace(e.info.name, name);
            if (!fresh)
                fail("tensor '" + e.info.name + "' is stored in both shard '" + it->second + "' and shard '" + name + "'");
            if (!map.contains(e.info.name)) ++unmapped;
        }
        for (const auto& w : shards.at(name).file.warnings) out.warnings.push_back("shard '" + name + "': " + w);
    }
    if (unmapped)
        out.warnings.push_back(std::to_string(unmapped) + " tensor(s) stored in the shards are not listed in weight_map and are not shown");
    if (anyPytorch && anySafetensors) out.warnings.push_back("the index mixes safetensors and PyTorch shards");
    out.format = anyPytorch ? "pytorch-sharded" : "safetensors-sharded";
    out.metadata["shards"] = std::to_string(order.size());
    return out;
}

Result<TensorFile> readSafetensorsIndex(const std::string& indexPath) {
    auto file = MappedFile::open(indexPath);
    if (!file) return file.error();
    return catchError(indexPath, [&] { return parseSafetensorsIndex(*file); });
}

}  // namespace scalpel

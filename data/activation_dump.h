#pragma once
// Scalpel's own HDF5 files (schema in docs/formats.md): activation dumps
// (scalpel_schema = "activation-dump", version 1) and result files
// (scalpel_schema = "result", version 1). Plain std::vector + shape, no Eigen.
#include <hdf5.h>

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "data/result.h"

namespace scalpel {

inline constexpr const char* kActivationDumpSchema = "activation-dump";
inline constexpr const char* kResultFileSchema = "result";
inline constexpr int kActivationDumpVersion = 1;
inline constexpr int kResultFileVersion = 1;

// Written as root attributes of every Scalpel file.
struct Provenance {
    std::string scalpelVersion;  // e.g. "0.1.0"
    std::string created;         // ISO 8601 UTC; filled with the current time when empty
    std::string modelPath;       // optional
    std::string modelSha256;     // optional (hex)
    std::string commandLine;     // optional
};

class Hid;

// Writer shared by dumps and result files. Methods return nullopt on success or the
// Error (naming the file and dataset). The file is complete once close() succeeds or
// the writer is destroyed.
class ScalpelFileWriter {
public:
    ScalpelFileWriter(ScalpelFileWriter&&) noexcept;
    ScalpelFileWriter& operator=(ScalpelFileWriter&&) noexcept;
    ~ScalpelFileWriter();

    // Root attributes (added or replaced).
    [[nodiscard]] std::optional<Error> setAttribute(const std::string& key, const std::string& value);
    [[nodiscard]] std::optional<Error> setIntAttribute(const std::string& key, int64_t value);
    [[nodiscard]] std::optional<Error> setDoubleAttribute(const std::string& key, double value);
    // Any float32 dataset at `path` ("/results/scores"); groups are created as needed.
    [[nodiscard]] std::optional<Error> writeFloats(const std::string& path, std::span<const float> values,
                                                   const std::vector<int64_t>& shape);
    // float64 dataset, for results whose precision matters (spectra, scores).
    [[nodiscard]] std::optional<Error> writeDoubles(const std::string& path, std::span<const double> values,
                                                    const std::vector<int64_t>& shape);
    [[nodiscard]] std::optional<Error> close();
    const std::string& path() const { return path_; }

protected:
    ScalpelFileWriter() = default;
    static std::optional<Error> createFile(ScalpelFileWriter& w, const std::string& path, const std::string& schema,
                                           int version, const Provenance& provenance);
    std::string path_;
    std::unique_ptr<Hid> file_;
};

class ActivationDumpWriter : public ScalpelFileWriter {
public:
    static Result<ActivationDumpWriter> create(const std::string& path, const Provenance& provenance);
    // /tokens/ids int32 [examples, tokens]; optional /tokens/strings (same count, UTF-8).
    [[nodiscard]] std::optional<Error> setTokens(std::span<const int32_t> ids, int64_t examples, int64_t tokens,
                                                 const std::vector<std::string>& strings = {});
    // /sites/<hookName> float32 [examples, tokens, features]. setTokens must come first;
    // `layer` defaults to N for hook names starting with "blocks.N.".
    [[nodiscard]] std::optional<Error> addSite(const std::string& hookName, std::span<const float> values,
                                               std::array<int64_t, 3> shape, std::optional<int> layer = std::nullopt);
    // /logits float32 [examples, tokens, vocab].
    [[nodiscard]] std::optional<Error> setLogits(std::span<const float> values, std::array<int64_t, 3> shape);

private:
    int64_t examples_ = -1, tokens_ = -1;
};

class ResultFileWriter : public ScalpelFileWriter {
public:
    // `method` names the analysis ("activation-patching"), `parametersJson` its settings.
    static Result<ResultFileWriter> create(const std::string& path, const Provenance& provenance,
                                           const std::string& method, const std::string& parametersJson);
};

struct DumpSite {
    std::string name;             // hook name, dots preserved ("blocks.0.hook_resid_pre")
    std::vector<int64_t> shape;   // [examples, tokens, features]
    std::optional<int> layer;
};

struct ActivationDump {
    std::string path;
    int schemaVersion = 0;
    std::map<std::string, std::string> attributes;  // root attributes as text (provenance, ...)
    int64_t examples = 0, tokens = 0;
    std::vector<int32_t> tokenIds;                  // examples * tokens, row-major
    std::vector<std::string> tokenStrings;          // same size, or empty when absent
    std::vector<DumpSite> sites;                    // in name order
    std::optional<std::vector<int64_t>> logitsShape;

    const DumpSite* site(const std::string& name) const;
};

// Opens and validates a dump: schema name and version, /tokens/ids rank 2 and integer,
// every site rank 3 float with examples and tokens matching /tokens/ids (mismatches name
// the dataset and both shapes). Site values are not read.
Result<ActivationDump> readActivationDump(const std::string& path);
// The same on an open file (used by readHdf5). Throws FormatError.
ActivationDump describeActivationDump(hid_t file, const std::string& path);

template <class T>
struct Dataset {
    std::vector<int64_t> shape;
    std::vector<T> values;  // row-major
};

// Any numeric dataset by path ("/sites/blocks.0.hook_resid_pre"), converted.
Result<Dataset<float>> readDataset(const std::string& file, const std::string& datasetPath);
Result<Dataset<double>> readDatasetDouble(const std::string& file, const std::string& datasetPath);

}  // namespace scalpel

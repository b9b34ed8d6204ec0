// The two PyTorch containers: the zip archive of torch.save >= 1.6 / TorchScript
// (formats.md §2) and the legacy stream of pickles followed by storages (§3).
#include "data/pytorch_checkpoint.h"

#include <cstring>
#include <map>

#include "data/readers.h"
#include "data/zip_archive.h"

namespace scalpel {
using pickle::Kind;
using pickle::Value;

namespace {

constexpr uint8_t kLegacyMagic[] = {0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46,
                                    0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e};

void addWarnings(TensorFile& out, const pickle::Parsed& p) {
    out.warnings.insert(out.warnings.end(), p.warnings.begin(), p.warnings.end());
}

uint64_t countTensors(const TensorFile& f, const std::string& prefix) {
    uint64_t n = 0;
    for (const auto& t : f.tensors)
        if (t.info.name == prefix || t.info.name.starts_with(prefix + ".")) ++n;
    return n;
}

// Training checkpoints wrap the weights ({'model': sd, 'optimizer': ...}, Lightning's
// {'state_dict', 'optimizer_states', ...}). All tensors are listed with prefixed names;
// this says which entry holds the weights and keeps top-level scalars as metadata.
void describeWrapper(const Value* root, TensorFile& out) {
    if (!root->isDict()) return;
    bool bare = true;
    for (size_t k = 0; k + 1 < root->items.size(); k += 2) {
        Kind vk = root->items[k + 1]->kind;
        if (vk != Kind::Tensor && vk != Kind::Placeholder) bare = false;
    }
    if (bare) return;  // a plain state_dict: names are its keys
    std::string weights, others;
    for (size_t k = 0; k + 1 < root->items.size(); k += 2) {
        const Value* key = root->items[k];
        const Value* val = root->items[k + 1];
        if (key->kind != Kind::String) continue;
        const std::string& name = key->text;
        switch (val->kind) {
            case Kind::Int: out.metadata[name] = std::to_string(val->i); continue;
            case Kind::Float: out.metadata[name] = std::to_string(val->f); continue;
            case Kind::String: out.metadata[name] = val->text; continue;
            case Kind::Bool: out.metadata[name] = val->b ? "True" : "False"; continue;
            default: break;
        }
        uint64_t n = countTensors(out, name);
        if (n == 0) continue;
        bool isWeights = name == "state_dict" || name == "model" || name == "module" || name == "model_state_dict" ||
                         name == "net" || name == "network";
        if (isWeights && weights.empty()) {
            weights = name;
            out.metadata["weights_key"] = name;
            continue;
        }
        others += (others.empty() ? "" : ", ") + name + " (" + std::to_string(n) + ")";
    }
    if (!weights.empty())
        out.warnings.push_back("training checkpoint: the model weights are in sub-dict '" + weights + "' (" +
                               std::to_string(countTensors(out, weights)) + " tensors, names prefixed '" + weights +
                               ".')" + (others.empty() ? "" : "; other tensors: " + others));
    else if (!out.tensors.empty())
        out.warnings.push_back("checkpoint is a nested object, not a state_dict; tensors are named by their path");
}

// ---------------------------------------------------------------- zip (torch.save >= 1.6)

pytorch::StorageRecord memberRecord(const ZipArchive& zip, const ZipMember& m, bool bigEndian, TensorFile& out) {
    pytorch::StorageRecord rec;
    rec.bigEndian = bigEndian;
    if (m.method == 0) {
        rec.bytes = zip.storedBytes(m);
        rec.keepAlive = zip.fileHandle();
    } else {
        // Re-zipped by another tool: cannot be mapped, so inflate once into memory.
        auto copy = std::make_shared<std::vector<uint8_t>>(zip.read(m));
        rec.bytes = *copy;
        rec.keepAlive = copy;
        if (out.warnings.size() < 100) out.warnings.push_back("storage record " + m.name + " is compressed; it was inflated into memory");
    }
    return rec;
}

TensorFile parseZip(std::shared_ptr<const MappedFile> file) {
    TensorFile out;
    out.path = file->path();
    out.format = "pytorch-zip";
    auto zip = std::make_shared<ZipArchive>(file);
    if (zip->members().empty()) fail("zip archive has no members");
    // <root> is the first entry's folder; torch.save names it after the file stem.
    const std::string& first = zip->members().front().name;
    std::string root = first.substr(0, first.find('/'));
    const ZipMember* pkl = zip->find(root + "/data.pkl");
    if (!pkl)
        for (const auto& m : zip->members())
            if (m.name.ends_with("/data.pkl") && m.name.find('/') == m.name.size() - 9) {
                pkl = &m;
                root = m.name.substr(0, m.name.size() - 9);
                break;
            }
    if (!pkl) fail("zip archive has no <root>/data.pkl: not a PyTorch checkpoint");

    bool bigEndian = false;
    if (const ZipMember* bo = zip->find(root + "/byteorder")) {
        auto b = zip->read(*bo);
        std::string order(b.begin(), b.end());
        if (order == "big") bigEndian = true;
        else if (order != "little") fail(root + "/byteorder is '" + order.substr(0, 20) + "', expected 'little' or 'big'");
        out.metadata["byteorder"] = order;
    }
    bool torchscript = zip->find(root + "/constants.pkl") != nullptr;
    auto lookupIn = [&, zip](const std::string& folder) {
        return [zip, folder, bigEndian, &out](const std::string& key) {
            const ZipMember* m = zip->find(folder + key);
            if (!m) fail("storage record " + folder + key + " is missing from the archive");
            return memberRecord(*zip, *m, bigEndian, out);
        };
    };

    auto pklBytes = zip->read(*pkl);
    auto parsed = pickle::runPickle(pklBytes, 0, pkl->name);
    addWarnings(out, parsed);
    pytorch::collectTensors(parsed, lookupIn(root + "/data/"), "", out);
    describeWrapper(parsed.root, out);
    if (torchscript) {
        out.metadata["torchscript"] = "true";
        const ZipMember* c = zip->find(root + "/constants.pkl");
        auto cBytes = zip->read(*c);
        auto constants = pickle::runPickle(cBytes, 0, c->name);
        pytorch::collectTensors(constants, lookupIn(root + "/constants/"), "constants", out);
        // The salvage warning of a module pickle does not apply: this is TorchScript.
        std::erase_if(out.warnings, [](const std::string& w) { return w.starts_with("full-module pickle") ||
                                                                      w.starts_with("unknown class or function '__torch__"); });
        out.warnings.push_back("TorchScript archive: weights read from data.pkl and constants.pkl; its code/ was not run");
    }
    return out;
}

// ---------------------------------------------------------------- legacy (pre-1.6)

TensorFile parseLegacy(std::shared_ptr<const MappedFile> file) {
    TensorFile out;
    out.path = file->path();
    out.format = "pytorch-legacy";
    auto all = file->all();
    auto magic = pickle::runPickle(all, 0, "magic number");
    if (magic.root->kind != Kind::BigInt || magic.end != sizeof kLegacyMagic ||
        std::memcmp(all.data(), kLegacyMagic, sizeof kLegacyMagic) != 0)
        fail("not a legacy torch file: wrong magic number");
    auto proto = pickle::runPickle(all, magic.end, "protocol version");
    if (proto.root->kind != Kind::Int || proto.root->i != 1001)
        fail("legacy torch protocol version is not 1001");
    auto sysInfo = pickle::runPickle(all, proto.end, "sys_info");
    bool bigEndian = false;
    if (sysInfo.root->isDict())
        for (size_t k = 0; k + 1 < sysInfo.root->items.size(); k += 2)
            if (sysInfo.root->items[k]->text == "little_endian" && sysInfo.root->items[k + 1]->kind == Kind::Bool)
                bigEndian = !sysInfo.root->items[k + 1]->b;
    auto object = pickle::runPickle(all, sysInfo.end, "object pickle");
    addWarnings(out, object);
    auto keys = pickle::runPickle(all, object.end, "storage key list");
    if (keys.root->kind != Kind::List) fail("legacy storage key list is not a list");

    // Element size and pickled numel per storage key, from the persistent ids.
    struct Declared { uint64_t itemSize; uint64_t numel; };
    std::map<std::string, Declared> declared;
    for (const Value& v : object.arena->values) {
        if (v.kind != Kind::PersistentId || v.items.size() < 5 || v.items[1]->kind != Kind::Global) continue;
        if (v.items[2]->kind != Kind::String || v.items[4]->kind != Kind::Int || v.items[4]->i < 0) continue;
        auto st = pytorch::storageTypeFromName(v.items[1]->text);
        if (!st) continue;
        declared[v.items[2]->text] = {st->itemSize, static_cast<uint64_t>(v.items[4]->i)};
    }
    // Per key: i64 element count, then count * itemsize bytes.
    std::map<std::string, pytorch::StorageRecord> records;
    uint64_t pos = keys.end;
    for (const Value* k : keys.root->items) {
        if (k->kind != Kind::String) fail("legacy storage key list holds a " + std::string(pickle::kindName(k->kind)));
        auto d = declared.find(k->text);
        if (d == declared.end()) fail("storage '" + k->text + "' is listed but no tensor uses it (its element size is unknown)");
        auto countBytes = file->slice(pos, 8, "legacy storage element count");
        int64_t count = 0;
        std::memcpy(&count, countBytes.data(), 8);
        if (count < 0 || static_cast<uint64_t>(count) != d->second.numel)
            fail("storage '" + k->text + "' at offset " + std::to_string(pos) + ": element count " + std::to_string(count) +
                 ", but the pickle declares " + std::to_string(d->second.numel));
        uint64_t bytes = 0;
        if (__builtin_mul_overflow(static_cast<uint64_t>(count), d->second.itemSize, &bytes) || bytes > file->size())
            fail("storage '" + k->text + "': " + std::to_string(count) + " elements exceed the file size");
        pytorch::StorageRecord rec;
        rec.bytes = file->slice(pos + 8, bytes, "legacy storage bytes");
        rec.keepAlive = file;
        rec.bigEndian = bigEndian;
        records[k->text] = rec;
        pos += 8 + bytes;
    }
    if (pos != file->size() && out.warnings.size() < 100)
        out.warnings.push_back(std::to_string(file->size() - pos) + " trailing bytes after the last storage were ignored");
    pytorch::collectTensors(object, [&records](const std::string& key) {
        auto it = records.find(key);
        if (it == records.end()) fail("storage '" + key + "' is not in the legacy storage key list");
        return it->second;
    }, "", out);
    describeWrapper(object.root, out);
    return out;
}

}  // namespace

TensorFile parsePytorchCheckpoint(std::shared_ptr<const MappedFile> file) {
    auto head = file->all().first(std::min<uint64_t>(file->size(), 512));
    if (ZipArchive::looksLikeZip(head)) return parseZip(file);
    if (head.size() >= sizeof kLegacyMagic && std::memcmp(head.data(), kLegacyMagic, sizeof kLegacyMagic) == 0)
        return parseLegacy(file);
    if (head.size() >= 262 && std::memcmp(head.data() + 257, "ustar", 5) == 0)
        fail("tar-based torch checkpoint (PyTorch < 0.4) is not supported; re-save it with a newer torch");
    fail("not a PyTorch checkpoint: neither a zip archive nor the legacy magic number");
}

Result<TensorFile> readPytorchCheckpoint(const std::string& path) {
    auto file = MappedFile::open(path);
    if (!file) return file.error();
    return catchError(path, [&] { return parsePytorchCheckpoint(*file); });
}

}  // namespace scalpel

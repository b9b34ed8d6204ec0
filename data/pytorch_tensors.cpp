// From an object pickle's value tree to named, validated, lazily loaded tensors.
// Shared by the zip and legacy containers (formats.md §2 rules for views and storages).
#include <algorithm>
#include <cstring>
#include <unordered_map>
#include <unordered_set>

#include "data/pytorch_checkpoint.h"

namespace scalpel::pytorch {
using pickle::Kind;
using pickle::Value;

namespace {

struct TorchDtype {
    const char* name;
    DType dtype;
    uint64_t itemSize;
};

// torch dtype names as they appear in _rebuild_tensor_v3 GLOBALs (aliases included).
constexpr TorchDtype kTorchDtypes[] = {
    {"float32", DType::F32, 4}, {"float", DType::F32, 4}, {"float64", DType::F64, 8}, {"double", DType::F64, 8},
    {"float16", DType::F16, 2}, {"half", DType::F16, 2}, {"bfloat16", DType::BF16, 2},
    {"int64", DType::I64, 8}, {"long", DType::I64, 8}, {"int32", DType::I32, 4}, {"int", DType::I32, 4},
    {"int16", DType::I16, 2}, {"short", DType::I16, 2}, {"int8", DType::I8, 1}, {"uint8", DType::U8, 1},
    {"bool", DType::BOOL, 1}, {"uint16", DType::U16, 2}, {"uint32", DType::U32, 4}, {"uint64", DType::U64, 8},
    {"complex32", DType::C32, 4}, {"chalf", DType::C32, 4}, {"complex64", DType::C64, 8},
    {"cfloat", DType::C64, 8}, {"complex128", DType::C128, 16}, {"cdouble", DType::C128, 16},
    {"float8_e4m3fn", DType::F8_E4M3, 1}, {"float8_e5m2", DType::F8_E5M2, 1},
    {"float8_e4m3fnuz", DType::F8_E4M3FNUZ, 1}, {"float8_e5m2fnuz", DType::F8_E5M2FNUZ, 1},
    {"float8_e8m0fnu", DType::F8_E8M0, 1},
};

struct StorageClass {
    const char* name;
    std::optional<DType> dtype;
    uint64_t itemSize;
    bool quantized;
};

// formats.md §2 "Storage classes (bytes)".
const StorageClass kStorageClasses[] = {
    {"BoolStorage", DType::BOOL, 1, false}, {"ByteStorage", DType::U8, 1, false},
    {"CharStorage", DType::I8, 1, false}, {"ShortStorage", DType::I16, 2, false},
    {"IntStorage", DType::I32, 4, false}, {"LongStorage", DType::I64, 8, false},
    {"HalfStorage", DType::F16, 2, false}, {"BFloat16Storage", DType::BF16, 2, false},
    {"FloatStorage", DType::F32, 4, false}, {"DoubleStorage", DType::F64, 8, false},
    {"ComplexHalfStorage", DType::C32, 4, false}, {"ComplexFloatStorage", DType::C64, 8, false},
    {"ComplexDoubleStorage", DType::C128, 16, false}, {"UInt16Storage", DType::U16, 2, false},
    {"UInt32Storage", DType::U32, 4, false}, {"UInt64Storage", DType::U64, 8, false},
    {"QInt8Storage", DType::RAW8, 1, true}, {"QUInt8Storage", DType::RAW8, 1, true},
    {"QUInt4x2Storage", DType::RAW8, 1, true}, {"QUInt2x4Storage", DType::RAW8, 1, true},
    {"QInt32Storage", DType::RAW8, 4, true}, {"UntypedStorage", std::nullopt, 1, false},
};

std::string keyString(const Value* k) {
    switch (k->kind) {
        case Kind::String: return k->text;
        case Kind::Int: return std::to_string(k->i);
        case Kind::Bool: return k->b ? "True" : "False";
        case Kind::None: return "None";
        default: return std::string("<") + pickle::kindName(k->kind) + ">";
    }
}

std::string join(const std::string& a, const std::string& b) { return a.empty() ? b : a + "." + b; }

// Module attributes that hold parameters, buffers and children: transparent in names,
// so a salvaged torch.save(model) gives the same names as its state_dict().
bool isModuleSlot(const std::string& k) { return k == "_parameters" || k == "_buffers" || k == "_modules"; }

class Walker {
public:
    Walker(const StorageLookup& lookup, TensorFile& out, uint64_t maxNesting)
        : lookup_(lookup), out_(out), maxNesting_(maxNesting) {}

    void walk(const Value* v, const std::string& name, uint64_t depth, bool inModule) {
        if (depth > maxNesting_)
            fail("object pickle nests deeper than " + std::to_string(maxNesting_) + " levels (at '" + name + "')");
        if (v->kind == Kind::Tensor) return emitTensor(v, name);
        if (v->kind == Kind::Placeholder) return emitPlaceholder(v, name);
        bool container = v->isDict() || v->isSequence() || v->kind == Kind::Opaque;
        if (!container || !visited_.insert(v).second) return;  // shared or cyclic subtree: once
        if (v->isDict()) {
            for (size_t k = 0; k + 1 < v->items.size(); k += 2) {
                std::string key = keyString(v->items[k]);
                walk(v->items[k + 1], inModule && isModuleSlot(key) ? name : join(name, key), depth + 1, inModule);
            }
        } else if (v->kind == Kind::Opaque) {
            // Unknown object (a module class): its arguments and BUILD state, same name.
            opaque_.insert(v->text);
            for (const Value* item : v->items) walk(item, name, depth + 1, true);
        } else {
            for (size_t k = 0; k < v->items.size(); ++k) walk(v->items[k], join(name, std::to_string(k)), depth + 1, inModule);
        }
    }

    const std::unordered_set<std::string>& opaqueClasses() const { return opaque_; }

private:
    bool claimName(const std::string& name) {
        if (out_.tensors.size() >= 1'000'000) fail("more than 1000000 tensors");
        if (names_.insert(name).second) return true;
        out_.warnings.push_back("tensor name '" + name + "' occurs twice; the second is skipped");
        return false;
    }

    void emitPlaceholder(const Value* v, const std::string& name) {
        if (!claimName(name)) return;
        TensorEntry e;
        e.info.name = name;
        e.info.note = v->text;
        e.load = [why = v->text] () -> std::vector<uint8_t> { fail(why); };
        out_.tensors.push_back(std::move(e));
    }

    void emitTensor(const Value* v, const std::string& name);

    const StorageLookup& lookup_;
    TensorFile& out_;
    uint64_t maxNesting_;
    std::unordered_set<const Value*> visited_;
    std::unordered_set<std::string> names_;
    std::unordered_set<std::string> opaque_;
    std::unordered_map<std::string, StorageRecord> records_;
};

void Walker::emitTensor(const Value* v, const std::string& name) {
    if (!claimName(name)) return;
    const pickle::TensorRef& t = *v->tensor;
    const Value* pid = t.storage;
    const std::string what = "tensor '" + name + "'";
    if (pid->items.size() < 5 || pid->items[0]->kind != Kind::String || pid->items[0]->text != "storage")
        fail(what + ": persistent id is not ('storage', type, key, location, numel)");
    const Value* type = pid->items[1];
    auto storage = type->kind == Kind::Global ? storageTypeFromName(type->text) : std::nullopt;
    if (!storage) fail(what + ": unknown storage type " + (type->kind == Kind::Global ? type->text : pickle::kindName(type->kind)));
    const std::string key = keyString(pid->items[2]);
    if (pid->items[4]->kind != Kind::Int || pid->items[4]->i < 0) fail(what + ": storage numel is not a non-negative int");
    uint64_t storageNumel = static_cast<uint64_t>(pid->items[4]->i);  // elements (bytes if untyped)

    StorageType st = *storage;
    uint64_t recordNeed = 0;  // bytes the whole storage needs
    if (__builtin_mul_overflow(storageNumel, st.itemSize, &recordNeed)) fail(what + ": storage size overflows");
    if (!t.dtype.empty()) {  // _rebuild_tensor_v3: the dtype is explicit
        auto dt = dtypeFromTorchName(t.dtype);
        if (!dt) fail(what + ": unsupported dtype " + t.dtype);
        uint64_t item = 1;
        for (const auto& d : kTorchDtypes)
            if (d.dtype == *dt) { item = d.itemSize; break; }
        if (!st.dtype) storageNumel /= item;  // UntypedStorage counts bytes
        st.dtype = dt;
        st.itemSize = item;
    }
    if (!st.dtype) fail(what + ": untyped storage without a dtype");

    // Legacy storage views: (view_key, offset, size) inside the root storage, in elements.
    uint64_t viewOffset = 0;
    if (pid->items.size() > 5 && pid->items[5]->kind == Kind::Tuple) {
        const auto& vm = pid->items[5]->items;
        if (vm.size() != 3 || vm[1]->kind != Kind::Int || vm[2]->kind != Kind::Int || vm[1]->i < 0 || vm[2]->i < 0 ||
            static_cast<uint64_t>(vm[1]->i) > storageNumel || static_cast<uint64_t>(vm[2]->i) > storageNumel - static_cast<uint64_t>(vm[1]->i))
            fail(what + ": storage view metadata lies outside storage '" + key + "'");
        viewOffset = static_cast<uint64_t>(vm[1]->i);
        storageNumel = static_cast<uint64_t>(vm[2]->i);
    }

    TensorEntry e;
    e.info.name = name;
    e.info.dtype = *st.dtype;
    e.info.shape = t.size;
    uint64_t numel = checkedNumel(t.size, what);
    if (st.quantized) {
        e.info.note = "quantised storage " + type->text + " is not readable";
        e.load = [note = e.info.note]() -> std::vector<uint8_t> { fail(note); };
        out_.tensors.push_back(std::move(e));
        return;
    }
    // Every non-empty view must stay inside its storage: offset + sum((size_i-1)*stride_i) < numel.
    if (numel > 0) {
        if (t.offset < 0) fail(what + ": negative storage offset " + std::to_string(t.offset));
        uint64_t last = static_cast<uint64_t>(t.offset);
        for (size_t d = 0; d < t.size.size(); ++d) {
            if (t.stride[d] < 0) fail(what + ": negative stride " + std::to_string(t.stride[d]) + " in dim " + std::to_string(d));
            uint64_t reach = 0;
            if (__builtin_mul_overflow(static_cast<uint64_t>(t.size[d] - 1), static_cast<uint64_t>(t.stride[d]), &reach) ||
                __builtin_add_overflow(last, reach, &last))
                fail(what + ": view extent overflows");
        }
        if (last >= storageNumel)
            fail(what + ": view (offset " + std::to_string(t.offset) + ", shape " + e.info.shapeString() +
                 ") reaches element " + std::to_string(last) + " but storage '" + key + "' has " +
                 std::to_string(storageNumel) + " elements");
    }

    auto it = records_.find(key);
    if (it == records_.end()) it = records_.emplace(key, lookup_(key)).first;
    const StorageRecord& rec = it->second;
    if (rec.bytes.size() < recordNeed)
        fail(what + ": storage '" + key + "' holds " + std::to_string(rec.bytes.size()) + " bytes, expected at least " +
             std::to_string(recordNeed) + " (" + std::to_string(pid->items[4]->i) + " elements x " +
             std::to_string(st.itemSize) + " bytes)");

    uint64_t item = st.itemSize;
    uint64_t swapUnit = rec.bigEndian ? (dtypeIsComplex(*st.dtype) ? item / 2 : item) : 1;
    auto bytes = rec.bytes.subspan(viewOffset * item);
    e.load = [bytes, keep = rec.keepAlive, item, offset = t.offset, size = t.size, stride = t.stride, swapUnit]() {
        return gatherStrided(bytes, item, offset, size, stride, swapUnit);
    };
    out_.tensors.push_back(std::move(e));
}

}  // namespace

std::optional<StorageType> storageTypeFromName(const std::string& name) {
    if (!name.starts_with("torch.")) return std::nullopt;
    std::string cls = name.substr(6);
    for (const auto& s : kStorageClasses)
        if (cls == s.name) return StorageType{s.dtype, s.itemSize, s.quantized};
    return std::nullopt;
}

std::optional<DType> dtypeFromTorchName(const std::string& name) {
    if (!name.starts_with("torch.")) return std::nullopt;
    std::string n = name.substr(6);
    for (const auto& d : kTorchDtypes)
        if (n == d.name) return d.dtype;
    return std::nullopt;
}

std::vector<uint8_t> gatherStrided(std::span<const uint8_t> storage, uint64_t itemSize, int64_t offset,
                                   const std::vector<int64_t>& size, const std::vector<int64_t>& stride,
                                   uint64_t swapUnit) {
    uint64_t numel = 1;
    for (int64_t s : size) numel *= static_cast<uint64_t>(s);
    std::vector<uint8_t> out(numel * itemSize);
    if (numel == 0) return out;
    // Contiguous row-major views are one copy; size-1 dims may carry any stride.
    bool contiguous = true;
    int64_t expect = 1;
    for (size_t d = size.size(); d-- > 0;) {
        if (size[d] != 1 && stride[d] != expect) contiguous = false;
        expect *= size[d];
    }
    const uint8_t* base = storage.data();
    if (contiguous) {
        std::memcpy(out.data(), base + static_cast<uint64_t>(offset) * itemSize, out.size());
    } else {
        // Odometer over the index space, innermost dimension fastest.
        std::vector<int64_t> idx(size.size(), 0);
        uint64_t src = static_cast<uint64_t>(offset);
        for (uint64_t n = 0; n < numel; ++n) {
            std::memcpy(out.data() + n * itemSize, base + src * itemSize, itemSize);
            for (size_t d = size.size(); d-- > 0;) {
                if (++idx[d] < size[d]) {
                    src += static_cast<uint64_t>(stride[d]);
                    break;
                }
                src -= static_cast<uint64_t>(stride[d]) * static_cast<uint64_t>(size[d] - 1);
                idx[d] = 0;
            }
        }
    }
    if (swapUnit > 1)
        for (size_t k = 0; k + swapUnit <= out.size(); k += swapUnit)
            std::reverse(out.begin() + static_cast<std::ptrdiff_t>(k), out.begin() + static_cast<std::ptrdiff_t>(k + swapUnit));
    return out;
}

void collectTensors(const pickle::Parsed& parsed, const StorageLookup& lookup, const std::string& prefix,
                    TensorFile& out) {
    Walker walker(lookup, out, pickle::Limits{}.maxNesting);
    const Value* root = parsed.root;
    walker.walk(root, prefix, 0, false);
    if (!walker.opaqueClasses().empty() && root->kind == Kind::Opaque)
        out.warnings.push_back("full-module pickle (torch.save(model)) of class " + root->text +
                               ": the classes were not reconstructed; only the tensors were salvaged");
}

}  // namespace scalpel::pytorch

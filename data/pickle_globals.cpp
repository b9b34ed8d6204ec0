// The fixed GLOBAL table of formats.md §2 and the inert meaning of REDUCE/NEWOBJ on it.
// Nothing here imports or calls anything: each known name maps to a value builder,
// refused names throw, and the rest become opaque objects.
#include <algorithm>
#include <array>
#include <string_view>

#include "data/pickle_machine.h"
#include "data/result.h"

namespace scalpel::pickle {
namespace {

// Modules whose every name is refused: they exist to run programs, touch files or
// load code. A pickle naming them is hostile, so the error says which name it was.
constexpr std::array<std::string_view, 26> kForbiddenModules = {
    "sys", "os", "posix", "nt", "subprocess", "shutil", "socket", "importlib", "runpy", "pty",
    "ctypes", "code", "codeop", "marshal", "pickle", "_pickle", "webbrowser", "multiprocessing",
    "signal", "commands", "pdb", "bdb", "timeit", "_posixsubprocess", "_thread", "io",
};

// The only builtins a weights file may name; eval/exec/getattr/__import__/open/... are refused.
constexpr std::array<std::string_view, 14> kAllowedBuiltins = {
    "set", "frozenset", "bytearray", "complex", "slice", "range", "int",
    "float", "bool", "str", "bytes", "list", "dict", "tuple",
};

constexpr std::array<std::string_view, 6> kUnsupportedTensorKinds = {
    "_rebuild_qtensor", "_rebuild_sparse_tensor", "_rebuild_meta_tensor_no_storage",
    "_rebuild_wrapper_subclass", "_rebuild_device_tensor_from_numpy", "_rebuild_device_tensor_from_cpu_tensor",
};

constexpr std::array<std::string_view, 30> kDtypes = {
    "float32", "float", "float64", "double", "float16", "half", "bfloat16", "int64", "long",
    "int32", "int", "int16", "short", "int8", "uint8", "bool", "uint16", "uint32", "uint64",
    "complex32", "chalf", "complex64", "cfloat", "complex128", "cdouble", "float8_e4m3fn",
    "float8_e5m2", "float8_e4m3fnuz", "float8_e5m2fnuz", "float8_e8m0fnu",
};

template <size_t N>
bool contains(const std::array<std::string_view, N>& a, std::string_view s) {
    return std::find(a.begin(), a.end(), s) != a.end();
}

std::string topModule(const std::string& module) { return module.substr(0, module.find('.')); }

}  // namespace

GlobalKind resolveGlobal(std::string& module, std::string& name, uint64_t offset) {
    // Python 2 spellings first, so that __builtin__.eval is refused like builtins.eval.
    if (module == "__builtin__" || module == "exceptions") module = "builtins";
    if (module == "copy_reg") module = "copyreg";
    const std::string full = module + "." + name;
    auto refuse = [&]() -> GlobalKind { fail("forbidden global " + full + " at offset " + std::to_string(offset)); };

    if (contains(kForbiddenModules, topModule(module))) return refuse();
    if (module == "builtins") {
        if (name == "set" || name == "frozenset") return GlobalKind::Set;
        if (name == "bytearray") return GlobalKind::Bytearray;
        if (name == "complex") return GlobalKind::Complex;
        return contains(kAllowedBuiltins, name) ? GlobalKind::Unknown : refuse();
    }
    if (module == "collections") {
        if (name == "OrderedDict") return GlobalKind::OrderedDict;
        if (name == "Counter") return GlobalKind::Counter;
        return GlobalKind::Unknown;
    }
    if (module == "_codecs" && name == "encode") return GlobalKind::CodecsEncode;
    if (module == "torch._utils") {
        if (name == "_rebuild_tensor") return GlobalKind::RebuildTensor;
        if (name == "_rebuild_tensor_v2") return GlobalKind::RebuildTensorV2;
        if (name == "_rebuild_tensor_v3") return GlobalKind::RebuildTensorV3;
        if (name == "_rebuild_parameter") return GlobalKind::RebuildParameter;
        if (name == "_rebuild_parameter_with_state") return GlobalKind::RebuildParameterWithState;
        if (contains(kUnsupportedTensorKinds, name)) return GlobalKind::UnsupportedTensor;
        return GlobalKind::Unknown;
    }
    if (module == "torch.nn.parameter" && name == "Parameter") return GlobalKind::Parameter;
    if (module == "torch._tensor" && name == "_rebuild_from_type_v2") return GlobalKind::RebuildFromTypeV2;
    if (module == "torch.serialization" && name == "_get_layout") return GlobalKind::Layout;
    if (module == "torch") {
        if (name == "Size") return GlobalKind::TorchSize;
        if (name == "device") return GlobalKind::TorchDevice;
        if (name.ends_with("Storage")) return GlobalKind::StorageType;
        if (contains(kDtypes, name)) return GlobalKind::Dtype;
        if (name.starts_with("per_")) return GlobalKind::QScheme;
        if (name == "strided" || name == "sparse_coo") return GlobalKind::Layout;
    }
    return GlobalKind::Unknown;
}

namespace {

[[noreturn]] void badArgs(const Value* callable, const std::string& why, uint64_t offset) {
    fail("bad arguments to " + callable->text + " at offset " + std::to_string(offset) + ": " + why);
}

int64_t intArg(const Value* callable, const Value* v, const char* what, uint64_t offset) {
    if (v->kind != Kind::Int && v->kind != Kind::Bool)
        badArgs(callable, std::string(what) + " is a " + kindName(v->kind) + ", not an int", offset);
    return v->kind == Kind::Bool ? v->b : v->i;
}

std::vector<int64_t> intTuple(const Value* callable, const Value* v, const char* what, uint64_t offset) {
    if (!v->isSequence()) badArgs(callable, std::string(what) + " is a " + kindName(v->kind) + ", not a tuple", offset);
    if (v->items.size() > 64) badArgs(callable, std::string(what) + " has rank " + std::to_string(v->items.size()) + " > 64", offset);
    std::vector<int64_t> out;
    for (const Value* x : v->items) out.push_back(intArg(callable, x, what, offset));
    return out;
}

Value* rebuildTensor(Arena& arena, const Value* callable, const std::vector<Value*>& a, uint64_t offset) {
    size_t need = callable->global == GlobalKind::RebuildTensor ? 4 : callable->global == GlobalKind::RebuildTensorV2 ? 6 : 8;
    if (a.size() < need) badArgs(callable, "expected at least " + std::to_string(need) + " arguments, got " + std::to_string(a.size()), offset);
    if (a[0]->kind != Kind::PersistentId) badArgs(callable, std::string("storage is a ") + kindName(a[0]->kind), offset);
    auto t = std::make_unique<TensorRef>();
    t->storage = a[0];
    t->offset = intArg(callable, a[1], "storage offset", offset);
    t->size = intTuple(callable, a[2], "size", offset);
    t->stride = intTuple(callable, a[3], "stride", offset);
    if (t->size.size() != t->stride.size())
        badArgs(callable, "size has " + std::to_string(t->size.size()) + " dims but stride " + std::to_string(t->stride.size()), offset);
    if (callable->global == GlobalKind::RebuildTensorV3) {
        if (a[6]->kind != Kind::Global || a[6]->global != GlobalKind::Dtype)
            badArgs(callable, std::string("dtype is a ") + kindName(a[6]->kind) + " " + a[6]->text, offset);
        t->dtype = a[6]->text;
    }
    Value* v = arena.make(Kind::Tensor, offset);
    v->tensor = std::move(t);
    return v;
}

// OrderedDict([(k, v), ...]) / Counter(...) / dict-like construction from pairs.
Value* buildDict(Arena& arena, Kind kind, const std::vector<Value*>& a, uint64_t offset) {
    Value* d = arena.make(kind, offset);
    if (!a.empty() && a[0]->isSequence())
        for (Value* pair : a[0]->items)
            if (pair->isSequence() && pair->items.size() == 2) {
                d->items.push_back(pair->items[0]);
                d->items.push_back(pair->items[1]);
            }
    if (!a.empty() && a[0]->isDict()) d->items = a[0]->items;
    return d;
}

// _codecs.encode(text, 'latin1'): how protocol-2 pickles spell bytes. Each code point of
// the UTF-8 text below 256 is one byte.
Value* latin1Encode(Arena& arena, const Value* callable, const std::vector<Value*>& a, uint64_t offset) {
    if (a.empty() || a[0]->kind != Kind::String) badArgs(callable, "expected a string", offset);
    const std::string& s = a[0]->text;
    bool latin1 = a.size() > 1 && a[1]->kind == Kind::String && (a[1]->text == "latin1" || a[1]->text == "latin-1");
    Value* v = arena.make(Kind::Bytes, offset);
    if (!latin1) {
        v->text = s;
        return v;
    }
    for (size_t k = 0; k < s.size();) {
        unsigned char c = static_cast<unsigned char>(s[k]);
        if (c < 0x80) {
            v->text.push_back(static_cast<char>(c));
            k += 1;
        } else if ((c & 0xe0) == 0xc0 && k + 1 < s.size()) {
            unsigned cp = ((c & 0x1fu) << 6) | (static_cast<unsigned char>(s[k + 1]) & 0x3fu);
            if (cp > 0xff) badArgs(callable, "code point above U+00FF cannot be latin1", offset);
            v->text.push_back(static_cast<char>(cp));
            k += 2;
        } else {
            badArgs(callable, "text is not latin1-encodable UTF-8", offset);
        }
    }
    return v;
}

}  // namespace

Value* applyGlobal(Arena& arena, Value* callable, Value* args, uint64_t offset, std::vector<std::string>& warnings,
                   int depth) {
    const std::vector<Value*>& a = args->items;
    switch (callable->global) {
        case GlobalKind::RebuildTensor:
        case GlobalKind::RebuildTensorV2:
        case GlobalKind::RebuildTensorV3: return rebuildTensor(arena, callable, a, offset);
        case GlobalKind::RebuildParameter:
        case GlobalKind::RebuildParameterWithState:
        case GlobalKind::Parameter:
            // A Parameter is its data tensor; requires_grad/hooks/state carry no weights.
            if (a.empty()) badArgs(callable, "no data argument", offset);
            return a[0];
        case GlobalKind::RebuildFromTypeV2: {
            // (func, new_type, args, state): the tensor is func(*args); the subclass is dropped.
            if (a.size() < 3 || a[0]->kind != Kind::Global || a[2]->kind != Kind::Tuple)
                badArgs(callable, "expected (func, type, args, state)", offset);
            if (depth > 8) badArgs(callable, "nested too deeply", offset);
            return applyGlobal(arena, a[0], a[2], offset, warnings, depth + 1);
        }
        case GlobalKind::UnsupportedTensor: {
            Value* p = arena.make(Kind::Placeholder, offset);
            p->text = "unsupported tensor kind (" + callable->text + ")";
            return p;
        }
        case GlobalKind::OrderedDict: return buildDict(arena, Kind::OrderedDict, a, offset);
        case GlobalKind::Counter: return buildDict(arena, Kind::Dict, a, offset);
        case GlobalKind::Set: {
            Value* s = arena.make(Kind::Set, offset);
            if (!a.empty() && a[0]->isSequence()) s->items = a[0]->items;
            return s;
        }
        case GlobalKind::Bytearray: {
            Value* b = arena.make(Kind::Bytes, offset);
            if (!a.empty() && (a[0]->kind == Kind::Bytes || a[0]->kind == Kind::String)) b->text = a[0]->text;
            return b;
        }
        case GlobalKind::Complex: {
            Value* c = arena.make(Kind::Tuple, offset);
            c->items = a;
            return c;
        }
        case GlobalKind::CodecsEncode: return latin1Encode(arena, callable, a, offset);
        case GlobalKind::TorchSize: {
            Value* t = arena.make(Kind::Tuple, offset);
            if (!a.empty() && a[0]->isSequence()) t->items = a[0]->items;
            return t;
        }
        case GlobalKind::TorchDevice: {
            Value* d = arena.make(Kind::String, offset);
            for (const Value* x : a) {
                if (!d->text.empty()) d->text += ":";
                d->text += x->kind == Kind::Int ? std::to_string(x->i) : x->text;
            }
            return d;
        }
        default: break;
    }
    // Unknown classes and calls (argparse.Namespace, user modules, numpy scalars): an
    // opaque object carrying the arguments, so tensors inside it remain reachable.
    if (std::find_if(warnings.begin(), warnings.end(), [&](const std::string& w) {
            return w.find("'" + callable->text + "'") != std::string::npos;
        }) == warnings.end() &&
        warnings.size() < 50)
        warnings.push_back("unknown class or function '" + callable->text + "' (offset " + std::to_string(offset) +
                           ") kept as an opaque object; it was not reconstructed");
    Value* o = arena.make(Kind::Opaque, offset);
    o->text = callable->text;
    o->items = a;
    return o;
}

}  // namespace scalpel::pickle

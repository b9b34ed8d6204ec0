#pragma once
// A restricted pickle reader (formats.md §2). It interprets only the allowlisted,
// data-only opcodes and turns the pickle into an inert value tree. Nothing is ever
// imported or called: GLOBAL resolves against a fixed table of torch/collections
// names, known-dangerous modules (sys, os, posix, nt, builtins.eval, ...) are refused,
// and every other class becomes an "opaque object" that merely carries its name and
// the arguments/state it was given (so tensors inside it can still be salvaged).
#include <cstdint>
#include <deque>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace scalpel::pickle {

struct Limits {
    uint64_t maxOpcodes = 10'000'000;
    uint64_t maxMemo = 1'000'000;
    uint64_t maxNesting = 1000;  // MARK depth inside the machine; tree depth for walkers
};

enum class Kind : uint8_t {
    None, Bool, Int, BigInt, Float, String, Bytes,
    Tuple, List, Set, Dict, OrderedDict,
    Global,        // a resolved GLOBAL that was not (yet) applied; text = "module.name"
    PersistentId,  // BINPERSID: items = the persistent id tuple's elements
    Tensor,        // result of _rebuild_tensor*: see TensorRef
    Opaque,        // unknown class/call: text = "module.name", items = args then BUILD state
    Placeholder,   // known but unsupported tensor kind: text = reason
};

// What a GLOBAL means to Scalpel (the fixed table of §2).
enum class GlobalKind : uint8_t {
    Unknown,
    RebuildTensor, RebuildTensorV2, RebuildTensorV3,
    RebuildParameter, RebuildParameterWithState, Parameter, RebuildFromTypeV2,
    UnsupportedTensor,
    OrderedDict, Counter, Set, Bytearray, Complex, CodecsEncode,
    TorchSize, TorchDevice, Dtype, StorageType, Layout, QScheme,
};

struct Value;

struct TensorRef {
    const Value* storage = nullptr;  // a PersistentId value
    int64_t offset = 0;              // in elements
    std::vector<int64_t> size, stride;
    std::string dtype;               // "torch.float32" from _rebuild_tensor_v3, else empty
};

struct Value {
    Kind kind = Kind::None;
    GlobalKind global = GlobalKind::Unknown;  // for Kind::Global
    bool b = false;
    int64_t i = 0;
    double f = 0;
    std::string text;            // String/Bytes content, Global/Opaque name, Placeholder reason
    std::vector<Value*> items;   // sequences; Dict/OrderedDict as k0, v0, k1, v1, ...
    std::unique_ptr<TensorRef> tensor;
    uint64_t offset = 0;         // where in the pickle the value was made

    bool isDict() const { return kind == Kind::Dict || kind == Kind::OrderedDict; }
    bool isSequence() const { return kind == Kind::Tuple || kind == Kind::List || kind == Kind::Set; }
};

const char* kindName(Kind k);

// All values of one pickle live in one arena: the tree may share nodes (memo) or even
// contain cycles, so it is a graph of raw pointers owned here and freed flat (no deep
// recursive destructors on hostile nesting).
struct Arena {
    std::deque<Value> values;
    Value* make(Kind k, uint64_t offset) {
        values.emplace_back();
        values.back().kind = k;
        values.back().offset = offset;
        return &values.back();
    }
};

struct Parsed {
    std::shared_ptr<Arena> arena;
    const Value* root = nullptr;
    uint64_t end = 0;                   // offset just past STOP
    std::vector<std::string> warnings;  // unknown classes kept opaque, once per name
};

// Runs one pickle starting at `start` of `bytes` (several pickles may follow each other,
// as in legacy torch files). `what` names the data in messages ("archive/data.pkl").
// Throws FormatError: "<what>: forbidden global os.system at offset 12",
// "<what>: unsupported opcode 0x69 at offset 40", truncation, limits.
Parsed runPickle(std::span<const uint8_t> bytes, uint64_t start, const std::string& what,
                 const Limits& limits = {});

// The fixed GLOBAL table. Throws FormatError for refused names (message names them).
// Python 2 names are mapped first (__builtin__ -> builtins, copy_reg -> copyreg).
GlobalKind resolveGlobal(std::string& module, std::string& name, uint64_t offset);

// REDUCE / NEWOBJ: builds the inert value for calling `callable` with `args`; never calls
// anything. Unknown callables give an Opaque value (and a warning via `warn`).
Value* applyGlobal(Arena& arena, Value* callable, Value* args, uint64_t offset,
                   std::vector<std::string>& warnings, int depth = 0);

}  // namespace scalpel::pickle

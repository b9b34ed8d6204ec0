// The opcode loop of the restricted unpickler (formats.md §2). Every read is bounds
// checked against the input, every count against the limits; values go to an arena.
#include "data/pickle_machine.h"

#include <cstring>
#include <unordered_map>

#include "data/result.h"

namespace scalpel::pickle {

const char* kindName(Kind k) {
    switch (k) {
        case Kind::None: return "None";
        case Kind::Bool: return "bool";
        case Kind::Int: return "int";
        case Kind::BigInt: return "big int";
        case Kind::Float: return "float";
        case Kind::String: return "str";
        case Kind::Bytes: return "bytes";
        case Kind::Tuple: return "tuple";
        case Kind::List: return "list";
        case Kind::Set: return "set";
        case Kind::Dict: return "dict";
        case Kind::OrderedDict: return "OrderedDict";
        case Kind::Global: return "global";
        case Kind::PersistentId: return "persistent id";
        case Kind::Tensor: return "tensor";
        case Kind::Opaque: return "opaque object";
        case Kind::Placeholder: return "placeholder";
    }
    return "?";
}

namespace {

class Machine {
public:
    Machine(std::span<const uint8_t> bytes, uint64_t start, const std::string& what, const Limits& limits)
        : in_(bytes), pos_(start), what_(what), limits_(limits), arena_(std::make_shared<Arena>()) {}

    Parsed run();

private:
    [[noreturn]] void error(const std::string& msg, uint64_t at) const {
        fail(what_ + ": " + msg + " at offset " + std::to_string(at));
    }
    std::span<const uint8_t> take(uint64_t n) {
        if (n > in_.size() - pos_)
            error("truncated pickle: needs " + std::to_string(n) + " more bytes, " +
                      std::to_string(in_.size() - pos_) + " left",
                  pos_);
        auto s = in_.subspan(pos_, n);
        pos_ += n;
        return s;
    }
    uint64_t readLE(int width) {
        auto s = take(width);
        uint64_t v = 0;
        for (int k = width - 1; k >= 0; --k) v = (v << 8) | s[k];
        return v;
    }
    std::string readString(uint64_t n) {
        auto s = take(n);
        return std::string(reinterpret_cast<const char*>(s.data()), s.size());
    }
    std::string readLine() {
        // GLOBAL names: "module\nname\n", short identifiers.
        uint64_t start = pos_;
        while (pos_ < in_.size() && in_[pos_] != '\n') {
            if (pos_ - start > 1024) error("GLOBAL name longer than 1024 bytes", start);
            ++pos_;
        }
        if (pos_ >= in_.size()) error("truncated pickle: GLOBAL name without newline", start);
        std::string s(reinterpret_cast<const char*>(in_.data() + start), pos_ - start);
        ++pos_;
        return s;
    }

    Value* make(Kind k) { return arena_->make(k, op_); }
    void push(Value* v) { stack_.push_back(v); }
    Value* pop(const char* forWhat) {
        if (stack_.size() <= markBase()) error(std::string("stack underflow in ") + forWhat, op_);
        Value* v = stack_.back();
        stack_.pop_back();
        return v;
    }
    Value* top(const char* forWhat) {
        if (stack_.size() <= markBase()) error(std::string("stack underflow in ") + forWhat, op_);
        return stack_.back();
    }
    size_t markBase() const { return marks_.empty() ? 0 : marks_.back(); }
    // Pops everything above the innermost MARK, and the mark itself.
    std::vector<Value*> popMark(const char* forWhat) {
        if (marks_.empty()) error(std::string("no MARK before ") + forWhat, op_);
        size_t m = marks_.back();
        marks_.pop_back();
        std::vector<Value*> items(stack_.begin() + static_cast<std::ptrdiff_t>(m), stack_.end());
        stack_.resize(m);
        return items;
    }
    Value* tuple(std::vector<Value*> items) {
        Value* t = make(Kind::Tuple);
        t->items = std::move(items);
        return t;
    }
    void memoPut(uint64_t index) {
        Value* v = top("PUT");
        if (memo_.size() >= limits_.maxMemo && !memo_.count(index))
            error("memo holds more than " + std::to_string(limits_.maxMemo) + " entries", op_);
        memo_[index] = v;
    }
    void memoGet(uint64_t index) {
        auto it = memo_.find(index);
        if (it == memo_.end()) error("memo index " + std::to_string(index) + " was never stored", op_);
        push(it->second);
    }
    void setItems(Value* dict, const std::vector<Value*>& kv) {
        if (!dict->isDict()) error(std::string("SETITEMS on a ") + kindName(dict->kind) + ", not a dict", op_);
        if (kv.size() % 2) error("SETITEMS with an odd number of items", op_);
        dict->items.insert(dict->items.end(), kv.begin(), kv.end());
    }
    void appendItems(Value* list, const std::vector<Value*>& xs) {
        if (list->kind != Kind::List && list->kind != Kind::Set)
            error(std::string("APPEND on a ") + kindName(list->kind) + ", not a list", op_);
        list->items.insert(list->items.end(), xs.begin(), xs.end());
    }
    void pushGlobal(std::string module, std::string name) {
        GlobalKind k = resolveGlobal(module, name, op_);
        Value* g = make(Kind::Global);
        g->global = k;
        g->text = module + "." + name;
        if (k == GlobalKind::Unknown) g->text = module + "." + name;
        push(g);
    }
    void build() {
        Value* state = pop("BUILD");
        Value* obj = top("BUILD");
        switch (obj->kind) {
            // Tensor/Parameter state (requires_grad, hooks) and OrderedDict _metadata carry
            // no weights: ignored, as the spec says.
            case Kind::Tensor:
            case Kind::Placeholder:
            case Kind::OrderedDict: return;
            // Unknown objects keep their state so tensors inside can be salvaged.
            case Kind::Opaque: obj->items.push_back(state); return;
            default: error(std::string("BUILD on a ") + kindName(obj->kind), op_);
        }
    }
    void step(uint8_t code);

    std::span<const uint8_t> in_;
    uint64_t pos_;
    uint64_t op_ = 0;  // offset of the opcode being executed
    std::string what_;
    Limits limits_;
    std::shared_ptr<Arena> arena_;
    std::vector<Value*> stack_;
    std::vector<size_t> marks_;
    std::unordered_map<uint64_t, Value*> memo_;
    std::vector<std::string> warnings_;
    int proto_ = 0;
    bool stopped_ = false;
};

Parsed Machine::run() {
    if (pos_ > in_.size()) fail(what_ + ": pickle starts at " + std::to_string(pos_) + ", past the end");
    uint64_t count = 0;
    while (!stopped_) {
        if (++count > limits_.maxOpcodes)
            error("pickle exceeds " + std::to_string(limits_.maxOpcodes) + " opcodes", pos_);
        if (pos_ >= in_.size()) error("truncated pickle: no STOP opcode", pos_);
        op_ = pos_;
        step(in_[pos_++]);
    }
    Parsed out;
    out.arena = arena_;
    out.end = pos_;
    out.warnings = std::move(warnings_);
    if (stack_.size() != 1 || !marks_.empty())
        error("STOP with " + std::to_string(stack_.size()) + " values on the stack (expected 1)", op_);
    out.root = stack_.back();
    return out;
}

void Machine::step(uint8_t code) {
    switch (code) {
        case 0x80: {  // PROTO
            proto_ = static_cast<int>(readLE(1));
            if (proto_ > 5) error("unsupported pickle protocol " + std::to_string(proto_), op_);
            return;
        }
        case 0x95: readLE(8); return;  // FRAME: a length hint only; framing is transparent
        case '.': stopped_ = true; return;  // STOP
        case 'c': {  // GLOBAL
            std::string module = readLine();
            std::string name = readLine();
            pushGlobal(std::move(module), std::move(name));
            return;
        }
        case 0x93: {  // STACK_GLOBAL
            Value* name = pop("STACK_GLOBAL");
            Value* module = pop("STACK_GLOBAL");
            if (name->kind != Kind::String || module->kind != Kind::String)
                error("STACK_GLOBAL needs two strings", op_);
            pushGlobal(module->text, name->text);
            return;
        }
        case 'R':  // REDUCE
        case 0x81: {  // NEWOBJ
            Value* args = pop(code == 'R' ? "REDUCE" : "NEWOBJ");
            Value* callable = pop(code == 'R' ? "REDUCE" : "NEWOBJ");
            if (callable->kind != Kind::Global)
                error(std::string(code == 'R' ? "REDUCE" : "NEWOBJ") + " on a " + kindName(callable->kind) +
                          ", not a global",
                      op_);
            if (args->kind != Kind::Tuple)
                error(std::string("arguments of ") + callable->text + " are a " + kindName(args->kind) +
                          ", not a tuple",
                      op_);
            push(applyGlobal(*arena_, callable, args, op_, warnings_));
            return;
        }
        case 'b': build(); return;  // BUILD
        case '(':  // MARK
            if (marks_.size() >= limits_.maxNesting)
                error("nesting deeper than " + std::to_string(limits_.maxNesting), op_);
            marks_.push_back(stack_.size());
            return;
        case ')': push(make(Kind::Tuple)); return;
        case ']': push(make(Kind::List)); return;
        case '}': push(make(Kind::Dict)); return;
        case 0x8f: push(make(Kind::Set)); return;
        case 't': push(tuple(popMark("TUPLE"))); return;
        case 0x85:
        case 0x86:
        case 0x87: {  // TUPLE1..3
            size_t n = code - 0x84u;
            std::vector<Value*> items(n);
            for (size_t k = n; k-- > 0;) items[k] = pop("TUPLEn");
            push(tuple(std::move(items)));
            return;
        }
        case 'a': {  // APPEND
            Value* x = pop("APPEND");
            appendItems(top("APPEND"), {x});
            return;
        }
        case 'e': {  // APPENDS
            auto xs = popMark("APPENDS");
            appendItems(top("APPENDS"), xs);
            return;
        }
        case 's': {  // SETITEM
            Value* v = pop("SETITEM");
            Value* k = pop("SETITEM");
            setItems(top("SETITEM"), {k, v});
            return;
        }
        case 'u': {  // SETITEMS
            auto kv = popMark("SETITEMS");
            setItems(top("SETITEMS"), kv);
            return;
        }
        case 'N': push(make(Kind::None)); return;
        case 0x88:
        case 0x89: {  // NEWTRUE, NEWFALSE
            Value* v = make(Kind::Bool);
            v->b = code == 0x88;
            push(v);
            return;
        }
        case 'J': {  // BININT: signed 32-bit
            Value* v = make(Kind::Int);
            v->i = static_cast<int32_t>(static_cast<uint32_t>(readLE(4)));
            push(v);
            return;
        }
        case 'K':
        case 'M': {  // BININT1 (u8), BININT2 (u16)
            Value* v = make(Kind::Int);
            v->i = static_cast<int64_t>(readLE(code == 'K' ? 1 : 2));
            push(v);
            return;
        }
        case 0x8a:
        case 0x8b: {  // LONG1 (u8 length), LONG4 (u32 length): little-endian two's complement
            uint64_t n = readLE(code == 0x8a ? 1 : 4);
            auto s = take(n);
            Value* v = make(Kind::Int);
            if (n > 8) {
                // Wider than int64 (the legacy magic number): kept as raw bytes.
                v->kind = Kind::BigInt;
                v->text.assign(reinterpret_cast<const char*>(s.data()), s.size());
            } else if (n > 0) {
                uint64_t u = 0;
                for (size_t k = n; k-- > 0;) u = (u << 8) | s[k];
                if (n < 8 && (s[n - 1] & 0x80)) u |= ~uint64_t(0) << (8 * n);  // sign-extend
                v->i = static_cast<int64_t>(u);
            }
            push(v);
            return;
        }
        case 'G': {  // BINFLOAT: big-endian IEEE double
            auto s = take(8);
            uint64_t u = 0;
            for (int k = 0; k < 8; ++k) u = (u << 8) | s[k];
            Value* v = make(Kind::Float);
            std::memcpy(&v->f, &u, sizeof u);
            push(v);
            return;
        }
        case 'X':
        case 0x8c:
        case 0x8d: {  // BINUNICODE (u32), SHORT_BINUNICODE (u8), BINUNICODE8 (u64): UTF-8
            uint64_t n = readLE(code == 'X' ? 4 : code == 0x8c ? 1 : 8);
            Value* v = make(Kind::String);
            v->text = readString(n);
            push(v);
            return;
        }
        case 'U':
        case 'C':
        case 'B': {  // SHORT_BINSTRING (u8), SHORT_BINBYTES (u8), BINBYTES (u32)
            uint64_t n = readLE(code == 'B' ? 4 : 1);
            // Python 2 str (SHORT_BINSTRING) holds text in torch pickles (keys, 'storage').
            Value* v = make(code == 'U' ? Kind::String : Kind::Bytes);
            v->text = readString(n);
            push(v);
            return;
        }
        case 'Q': {  // BINPERSID
            Value* pid = pop("BINPERSID");
            if (pid->kind != Kind::Tuple) error(std::string("persistent id is a ") + kindName(pid->kind) + ", not a tuple", op_);
            // Legacy torch.save(model) stores module classes as ('module', cls, file, source):
            // the id stands for the class itself, which then stays an opaque object.
            if (!pid->items.empty() && pid->items[0]->kind == Kind::String && pid->items[0]->text == "module" &&
                pid->items.size() > 1 && pid->items[1]->kind == Kind::Global) {
                push(pid->items[1]);
                return;
            }
            Value* v = make(Kind::PersistentId);
            v->items = pid->items;
            push(v);
            return;
        }
        case 'h': memoGet(readLE(1)); return;  // BINGET
        case 'j': memoGet(readLE(4)); return;  // LONG_BINGET
        case 'q': memoPut(readLE(1)); return;  // BINPUT
        case 'r': memoPut(readLE(4)); return;  // LONG_BINPUT
        case 0x94: memoPut(memo_.size()); return;  // MEMOIZE
        default: {
            static const char* hex = "0123456789abcdef";
            std::string h = {hex[code >> 4], hex[code & 15]};
            error("unsupported opcode 0x" + h, op_);
        }
    }
}

}  // namespace

Parsed runPickle(std::span<const uint8_t> bytes, uint64_t start, const std::string& what, const Limits& limits) {
    return Machine(bytes, start, what, limits).run();
}

}  // namespace scalpel::pickle

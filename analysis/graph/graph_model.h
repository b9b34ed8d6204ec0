#pragma once
// Graph models (ONNX and Keras classifiers) on one small IR: values (graph inputs, constants,
// node outputs) and nodes in topological order, each node one operator with normalised
// attributes. Tensors are float32, row-major, channels first (NCHW) inside the graph; the Keras
// importer inserts the NHWC -> NCHW transpose after the input and flattens in NHWC order where
// Keras does (docs/graph_models.md).
//
// Every graph input and every node output is a hook site named after the node (ONNX node name,
// Keras layer name); forward() copies the requested sites. Bad input (shapes that do not fit
// an operator, out-of-range attributes) throws GraphError naming the node and its operator.
#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "analysis/common/glob.h"
#include "analysis/common/progress.h"

namespace scalpel::graph {

struct GraphError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// Largest element count of one tensor (8 GiB of floats): larger shapes are refused, not allocated.
constexpr int64_t kMaxTensorElements = int64_t(1) << 31;

struct Tensor {
    std::vector<int64_t> shape;  // empty = scalar
    std::vector<float> data;     // row-major, numel() entries

    Tensor() : data(1, 0.0f) {}
    explicit Tensor(std::vector<int64_t> s, float fill = 0.0f);
    Tensor(std::vector<int64_t> s, std::vector<float> values);  // throws GraphError on a size mismatch
    int64_t numel() const { return static_cast<int64_t>(data.size()); }
    int64_t rank() const { return static_cast<int64_t>(shape.size()); }
    int64_t dim(int64_t i) const { return shape[static_cast<size_t>(i)]; }
    std::string shapeString() const;
};

// Checked element count of a shape (throws GraphError naming `what` on negative dims or more
// than kMaxTensorElements elements).
int64_t checkedElements(const std::vector<int64_t>& shape, const std::string& what);
std::string shapeString(const std::vector<int64_t>& shape);

enum class Op : uint8_t {
    Gemm, MatMul, Add, Sub, Mul, Div, Sum,
    Relu, LeakyRelu, Clip, Tanh, Sigmoid, Erf, Gelu,
    Conv, MaxPool, AveragePool, GlobalAveragePool, BatchNorm,
    Flatten, Reshape, Transpose, Squeeze, Unsqueeze,
    Softmax, LogSoftmax, Concat, Identity, Pad,
};
const char* opName(Op op);

// How Conv and the pools pad when no explicit pads are given (ONNX auto_pad). SameUpper is
// TensorFlow/Keras 'same': the odd pixel goes to the bottom/right.
enum class AutoPad : uint8_t { NotSet, SameUpper, SameLower, Valid };

struct Attrs {
    // Conv, MaxPool, AveragePool: 1 or 2 spatial dims. pads = [begin..., end...] (ONNX order).
    // Pad: pads = [begin of each dim..., end of each dim...], filled with padValue (mode constant).
    std::vector<int64_t> kernel, strides, pads, dilations;
    float padValue = 0.0f;
    int64_t group = 1;
    AutoPad autoPad = AutoPad::NotSet;
    bool ceilMode = false;
    bool countIncludePad = false;  // AveragePool
    // Gemm: alpha * A' B' + beta * C.
    float alpha = 1.0f, beta = 1.0f;  // also LeakyRelu slope (alpha)
    bool transA = false, transB = false;
    // Flatten, Softmax, LogSoftmax, Concat (negative counts from the end).
    int64_t axis = 1;
    bool legacySoftmax = false;  // opset < 13: softmax of the input coerced to 2-D at `axis`
    float epsilon = 1e-5f;       // BatchNorm
    std::vector<int64_t> perm;   // Transpose (empty = reverse)
    std::vector<int64_t> axes;   // Squeeze (empty = every size-1 dim), Unsqueeze
    std::vector<int64_t> shape;  // Reshape target (0 copies the input dim, -1 is inferred)
    bool allowZero = false;      // Reshape: 0 means a zero-size dim, not "copy"
    float minValue = -std::numeric_limits<float>::infinity();  // Clip
    float maxValue = std::numeric_limits<float>::infinity();
    bool geluTanh = false;       // Gelu approximate="tanh"
    bool keepDims = true;        // GlobalAveragePool: false gives [N, C] (Keras)
    bool channelsLast = false;   // Flatten of a rank-4 NCHW tensor in NHWC order (Keras)
};

struct Node {
    std::string name;    // site name (unique in the model)
    std::string opType;  // as the file names it ("Conv", "Conv2D", ...), for messages
    Op op = Op::Identity;
    std::vector<int> inputs;  // value ids; -1 = optional input absent
    int output = -1;          // value id
    Attrs attrs;
};

struct Value {
    enum class Kind : uint8_t { Input, Constant, Computed };
    std::string name;
    Kind kind = Kind::Computed;
    std::vector<int64_t> shape;  // inputs: declared shape, -1 = any (batch); constants: their shape
    Tensor constant;             // Kind::Constant only
};

struct SiteInfo {
    std::string name;
    std::string op;               // operator ("Input" for graph inputs)
    std::vector<int64_t> shape;   // for a batch of one
};

struct MaskPlan;  // graph_masks.h: pruning masks resolved for one model

// Activation patching (graph_patches.cpp): the forward replaces a site's values at the chosen
// batch rows and channels (dim 1) by those of `value` (the site's full shape, e.g. the same site
// of another run); empty lists mean all. Nodes upstream get no gradient through patched entries
// (as the transformer engine); the gradient reported at the site itself is the downstream one.
struct GraphPatch {
    std::string site;
    Tensor value;
    std::vector<int64_t> rows, channels;
};
struct PatchPlan;  // patches resolved to value ids

struct ForwardOptions {
    std::vector<std::string> sites;  // exact site names to return (matchSites() expands globs)
    bool keepTape = false;           // keep every value for backward()
    const ProgressToken* progress = nullptr;
    std::shared_ptr<const MaskPlan> masks;  // resolveMasks(); backward() of the run applies it too
    std::vector<GraphPatch> patches;        // checked against the model when the forward starts
};

struct ForwardResult {
    std::vector<Tensor> outputs;            // the graph outputs, in order
    std::map<std::string, Tensor> sites;    // the requested sites
    std::shared_ptr<const std::vector<Tensor>> tape;  // every value by id (keepTape); constants empty
    std::shared_ptr<const MaskPlan> masks;            // the masks this run applied (or null)
    std::shared_ptr<const PatchPlan> patches;         // the patches this run applied (or null)
};

struct BackwardOptions {
    std::vector<std::string> sites;  // sites whose gradient to return
    bool parameters = false;         // gradients of every constant (weights, by their names)
};

struct BackwardResult {
    std::map<std::string, Tensor> sites;       // d metric / d site, the site's shape
    std::map<std::string, Tensor> parameters;  // d metric / d constant, the constant's shape (as stored in the IR)
};

class GraphModel {
public:
    // Builder API (used by the importers). addValue names must be unique.
    int addInput(const std::string& name, std::vector<int64_t> shape);
    int addConstant(const std::string& name, Tensor value);
    // Adds a node computing a new value named `outputName`; returns the node index.
    int addNode(Node node, const std::string& outputName);
    void markOutput(int value);
    int findValue(const std::string& name) const;  // -1 when absent
    // Orders the nodes topologically and checks the wiring (every input defined, no cycle,
    // arities, unique site names). Throws GraphError. Must be called before forward().
    void finalize();

    const std::vector<Node>& nodes() const { return nodes_; }
    const std::vector<Value>& values() const { return values_; }
    const std::vector<int>& inputs() const { return inputs_; }
    const std::vector<int>& outputs() const { return outputs_; }
    std::string format;        // "onnx", "keras-h5"
    std::string inputLayout;   // what the user passes: "NCHW" (ONNX) or "NHWC" (Keras images)
    std::vector<std::string> notes;  // importer remarks (producer, opset, ...)

    // Site names: graph inputs, then nodes in forward order.
    std::vector<std::string> siteNames() const;
    // Site names matching a glob ('*' any run, '?' one character) in forward order.
    std::vector<std::string> matchSites(std::string_view pattern) const;
    // Every site with its shape for a batch of one (runs a forward on zeros).
    std::vector<SiteInfo> describeSites() const;
    // Shapes of the graph inputs for a batch of `batch` (dynamic dims become `batch`).
    std::vector<std::vector<int64_t>> inputShapes(int64_t batch) const;

    // Throws GraphError (wrong input count or shape, a shape an operator refuses, an unknown
    // site name) or Cancelled.
    ForwardResult forward(const std::vector<Tensor>& inputs, const ForwardOptions& options = {}) const;
    // Gradient of a scalar metric given d metric / d output for every graph output (same shapes),
    // by the exact local Jacobians. The forward must have kept its tape. Throws GraphError.
    BackwardResult backward(const ForwardResult& run, const std::vector<Tensor>& dOutputs,
                            const BackwardOptions& options) const;

    // Resolves patches to value ids; throws GraphError naming an unknown site, a value of another
    // shape or a row / channel out of range (`shape` of that site in this run: batch included).
    std::shared_ptr<const PatchPlan> resolvePatches(const std::vector<GraphPatch>& patches) const;

private:
    int addValue(Value v);
    std::vector<Value> values_;
    std::vector<Node> nodes_;
    std::vector<int> inputs_, outputs_;
    std::map<std::string, int> byName_;
    std::vector<int> lastUse_;  // per value: index of the last node reading it (-1 none)
    bool finalized_ = false;
};

using scalpel::globMatch;  // analysis/common/glob.h

// Runs one node on its inputs (nullptr for absent optional inputs). graph_ops.cpp.
Tensor runNode(const Node& node, const std::vector<const Tensor*>& in);
// Gradients of a node's inputs from its output's gradient (nullopt: none, e.g. absent inputs).
std::vector<std::optional<Tensor>> backwardNode(const Node& node, const std::vector<const Tensor*>& in, const Tensor& out,
                                                const Tensor& dOut);
// Jᵀ dOut of a Conv node for its input alone (no weight gradient; OpenMP over the batch). `x` gives
// the input's shape. graph_ops.cpp; used by LRP (graph_lrp.cpp).
Tensor convInputGradient(const Node& node, const Tensor& x, const Tensor& w, const Tensor& dOut);

}  // namespace scalpel::graph

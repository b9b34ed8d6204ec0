#include "widgets/canvas/imgui_canvas.h"

#include <imgui.h>
#include <backends/imgui_impl_opengl3.h>

#include <QFile>
#include <QCoreApplication>
#include <QKeyEvent>
#include <QMouseEvent>
#include <QOpenGLContext>
#include <QOpenGLFunctions>
#include <QSurfaceFormat>
#include <QWheelEvent>
#include <algorithm>

namespace scalpel {
namespace {

// Qt key -> ImGuiKey_* (we use the ImGuiKey value itself as the index into io.KeysDown).
int imguiKey(int qtKey) {
    switch (qtKey) {
        case Qt::Key_Tab: return ImGuiKey_Tab;
        case Qt::Key_Left: return ImGuiKey_LeftArrow;
        case Qt::Key_Right: return ImGuiKey_RightArrow;
        case Qt::Key_Up: return ImGuiKey_UpArrow;
        case Qt::Key_Down: return ImGuiKey_DownArrow;
        case Qt::Key_PageUp: return ImGuiKey_PageUp;
        case Qt::Key_PageDown: return ImGuiKey_PageDown;
        case Qt::Key_Home: return ImGuiKey_Home;
        case Qt::Key_End: return ImGuiKey_End;
        case Qt::Key_Insert: return ImGuiKey_Insert;
        case Qt::Key_Delete: return ImGuiKey_Delete;
        case Qt::Key_Backspace: return ImGuiKey_Backspace;
        case Qt::Key_Space: return ImGuiKey_Space;
        case Qt::Key_Return: return ImGuiKey_Enter;
        case Qt::Key_Enter: return ImGuiKey_KeyPadEnter;
        case Qt::Key_Escape: return ImGuiKey_Escape;
        case Qt::Key_A: return ImGuiKey_A;
        case Qt::Key_C: return ImGuiKey_C;
        case Qt::Key_V: return ImGuiKey_V;
        case Qt::Key_X: return ImGuiKey_X;
        case Qt::Key_Y: return ImGuiKey_Y;
        case Qt::Key_Z: return ImGuiKey_Z;
        default: return -1;
    }
}

int imguiButton(Qt::MouseButton b) {
    switch (b) {
        case Qt::LeftButton: return 0;
        case Qt::RightButton: return 1;
        case Qt::MiddleButton: return 2;
        default: return -1;
    }
}

void setModifiers(ImGuiIO& io, Qt::KeyboardModifiers m) {
    io.KeyCtrl = m & Qt::ControlModifier;
    io.KeyShift = m & Qt::ShiftModifier;
    io.KeyAlt = m & Qt::AltModifier;
    io.KeySuper = m & Qt::MetaModifier;
}

// A proportional font reads better than ImGui's built-in bitmap font; fall back to that.
void loadFont(ImGuiIO& io) {
    // Latin-1, Greek (sigma, Lambda in figure labels), punctuation (ellipsis), arrows, maths.
    static const ImWchar kRanges[] = {0x0020, 0x00FF, 0x0370, 0x03FF, 0x2000, 0x206F,
                                      0x2190, 0x21FF, 0x2200, 0x22FF, 0};
    for (const char* path : {"/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
                             "/usr/share/fonts/TTF/DejaVuSans.ttf", "/usr/share/fonts/dejavu/DejaVuSans.ttf"})
        if (QFile::exists(path) && io.Fonts->AddFontFromFileTTF(path, 15.f, nullptr, kRanges)) return;
    io.Fonts->AddFontDefault();
}

}  // namespace

ImGuiCanvas::ImGuiCanvas(QWidget* parent) : QOpenGLWidget(parent) {
    setMouseTracking(true);  // hover needs move events without a pressed button
    setFocusPolicy(Qt::StrongFocus);
    setMinimumSize(200, 150);
    clock_.start();
}

ImGuiCanvas::~ImGuiCanvas() { shutdownImGui(); }

void ImGuiCanvas::shutdownImGui() {
    if (!ctx_) return;
    makeCurrent();
    ImGuiContext* previous = ImGui::GetCurrentContext();
    ImGui::SetCurrentContext(ctx_);
    if (backendReady_) ImGui_ImplOpenGL3_Shutdown();
    ImGui::DestroyContext(ctx_);
    ImGui::SetCurrentContext(previous == ctx_ ? nullptr : previous);
    ctx_ = nullptr;
    backendReady_ = false;
    doneCurrent();
}

void ImGuiCanvas::setDefaultSurfaceFormat() {
    QSurfaceFormat format = QSurfaceFormat::defaultFormat();
    format.setVersion(3, 3);
    format.setProfile(QSurfaceFormat::CoreProfile);
    QSurfaceFormat::setDefaultFormat(format);
}

void ImGuiCanvas::setDrawFunction(std::function<void()> draw) {
    draw_ = std::move(draw);
    requestRedraw();
}

void ImGuiCanvas::requestRedraw() {
    extraFrames_ = std::max(extraFrames_, 2);
    update();
}

void ImGuiCanvas::initializeGL() {
    // The GL context can be recreated (widget reparented): start from a clean ImGui.
    shutdownImGui();
    ImGuiContext* previous = ImGui::GetCurrentContext();
    ctx_ = ImGui::CreateContext();
    ImGui::SetCurrentContext(ctx_);
    ImGuiIO& io = ImGui::GetIO();
    io.IniFilename = nullptr;  // layout state belongs to the Qt session, not imgui.ini
    io.LogFilename = nullptr;
    for (int k = 0; k < ImGuiKey_COUNT; ++k) io.KeyMap[k] = k;
    ImGui::StyleColorsLight();
    ImGuiStyle& style = ImGui::GetStyle();
    style.WindowRounding = 0;
    style.WindowBorderSize = 0;
    style.Colors[ImGuiCol_WindowBg] = ImVec4(1, 1, 1, 1);
    loadFont(io);
    const bool core = context()->format().profile() == QSurfaceFormat::CoreProfile ||
                      context()->format().version() >= qMakePair(3, 2);
    backendReady_ = ImGui_ImplOpenGL3_Init(core ? "#version 330 core" : "#version 130");
    ImGui::SetCurrentContext(previous);
    // The GL objects must be released while their context still exists.
    if (watchedContext_ != context()) {
        watchedContext_ = context();
        connect(context(), &QOpenGLContext::aboutToBeDestroyed, this, [this] { shutdownImGui(); });
    }
}

void ImGuiCanvas::enqueue(std::function<void(ImGuiIO&)> apply, bool buttonChange) {
    input_.push_back({std::move(apply), buttonChange});
    extraFrames_ = std::max(extraFrames_, 2);
    update();
}

void ImGuiCanvas::applyQueuedInput(ImGuiIO& io) {
    bool buttonApplied = false;
    while (!input_.empty()) {
        if (input_.front().buttonChange) {
            if (buttonApplied) break;  // the next button change waits for the next frame
            buttonApplied = true;
        }
        input_.front().apply(io);
        input_.pop_front();
    }
}

void ImGuiCanvas::paintGL() {
    if (!ctx_ || !backendReady_) return;
    ImGuiContext* previous = ImGui::GetCurrentContext();
    ImGui::SetCurrentContext(ctx_);
    ImGuiIO& io = ImGui::GetIO();
    const qreal dpr = devicePixelRatioF();
    io.DisplaySize = ImVec2(float(width()), float(height()));
    io.DisplayFramebufferScale = ImVec2(float(dpr), float(dpr));
    const double now = double(clock_.nsecsElapsed()) * 1e-9;
    io.DeltaTime = float(std::max(now - lastTime_, 1e-4));
    lastTime_ = now;
    applyQueuedInput(io);

    ImGui_ImplOpenGL3_NewFrame();
    ImGui::NewFrame();
    ImGui::SetNextWindowPos(ImVec2(0, 0));
    ImGui::SetNextWindowSize(io.DisplaySize);
    ImGui::Begin("##canvas", nullptr,
                 ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoSavedSettings |
                     ImGuiWindowFlags_NoBringToFrontOnFocus | ImGuiWindowFlags_NoScrollWithMouse);
    if (draw_) draw_();
    ImGui::End();
    ImGui::Render();
    io.MouseWheel = io.MouseWheelH = 0;  // wheel steps are consumed by the frame that saw them

    QOpenGLFunctions* gl = context()->functions();
    gl->glViewport(0, 0, int(width() * dpr), int(height() * dpr));
    gl->glClearColor(1, 1, 1, 1);
    gl->glClear(GL_COLOR_BUFFER_BIT);
    ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
    ImGui::SetCurrentContext(previous);

    ++frames_;
    if (!input_.empty() || extraFrames_ > 0) {
        if (input_.empty()) --extraFrames_;
        update();
    }
    emit frameDrawn();
}

void ImGuiCanvas::mouseMoveEvent(QMouseEvent* e) {
    const QPointF p = e->position();
    enqueue([p](ImGuiIO& io) { io.MousePos = ImVec2(float(p.x()), float(p.y())); });
}

void ImGuiCanvas::mousePressEvent(QMouseEvent* e) {
    const int b = imguiButton(e->button());
    const QPointF p = e->position();
    if (b < 0) return;
    enqueue([p, b](ImGuiIO& io) {
        io.MousePos = ImVec2(float(p.x()), float(p.y()));
        io.MouseDown[b] = true;
    }, true);
}

void ImGuiCanvas::mouseReleaseEvent(QMouseEvent* e) {
    const int b = imguiButton(e->button());
    if (b < 0) return;
    enqueue([b](ImGuiIO& io) { io.MouseDown[b] = false; }, true);
}

// Qt sends press, release, double-click, release; ImGui detects the double click itself
// from the timing of the two presses, so the double-click event counts as a press.
void ImGuiCanvas::mouseDoubleClickEvent(QMouseEvent* e) { mousePressEvent(e); }

void ImGuiCanvas::wheelEvent(QWheelEvent* e) {
    // 120 units = one notch = one ImGui wheel step.
    const QPointF d = QPointF(e->angleDelta()) / 120.0;
    const QPointF p = e->position();
    enqueue([d, p](ImGuiIO& io) {
        io.MousePos = ImVec2(float(p.x()), float(p.y()));
        io.MouseWheel += float(d.y());
        io.MouseWheelH += float(d.x());
    });
    e->accept();
}

void ImGuiCanvas::moveMouseTo(const QPointF& pos) {
    QMouseEvent move(QEvent::MouseMove, pos, mapToGlobal(pos), Qt::NoButton, Qt::NoButton, Qt::NoModifier);
    QCoreApplication::sendEvent(this, &move);
}

void ImGuiCanvas::keyPressEvent(QKeyEvent* e) {
    emit keyPressed(e->key());
    const int k = imguiKey(e->key());
    const auto mods = e->modifiers();
    const QString text = e->text();
    enqueue([k, mods, text](ImGuiIO& io) {
        setModifiers(io, mods);
        if (k >= 0) io.KeysDown[k] = true;
        for (QChar c : text)
            if (c.isPrint()) io.AddInputCharacterUTF16(c.unicode());
    });
}

void ImGuiCanvas::keyReleaseEvent(QKeyEvent* e) {
    const int k = imguiKey(e->key());
    const auto mods = e->modifiers();
    enqueue([k, mods](ImGuiIO& io) {
        setModifiers(io, mods);
        if (k >= 0) io.KeysDown[k] = false;
    });
}

void ImGuiCanvas::leaveEvent(QEvent* e) {
    enqueue([](ImGuiIO& io) { io.MousePos = ImVec2(-FLT_MAX, -FLT_MAX); });
    QOpenGLWidget::leaveEvent(e);
}

}  // namespace scalpel

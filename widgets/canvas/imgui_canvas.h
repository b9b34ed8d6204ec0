#pragma once
// A QOpenGLWidget hosting its own Dear ImGui context. Qt input events are forwarded to
// ImGui's IO; a frame is drawn only when input or data changed (update()), never in a loop.
#include <QElapsedTimer>
#include <QOpenGLWidget>
#include <deque>
#include <functional>

class QOpenGLContext;
struct ImGuiContext;
struct ImGuiIO;

namespace scalpel {

class ImGuiCanvas : public QOpenGLWidget {
    Q_OBJECT
public:
    explicit ImGuiCanvas(QWidget* parent = nullptr);
    ~ImGuiCanvas() override;

    // Called inside a full-size ImGui window every frame; draw the content here.
    void setDrawFunction(std::function<void()> draw);
    // Data changed: draw again (a few frames, because ImGui sizes new tooltips one frame late).
    void requestRedraw();
    // Moves the (synthetic) mouse to `pos` in canvas coordinates: views use it to hover a cell
    // for tests, screenshots and demos.
    void moveMouseTo(const QPointF& pos);
    quint64 framesDrawn() const { return frames_; }

    // OpenGL 3.3 core: available on every desktop driver and on Mesa llvmpipe (Xvfb).
    // Call before constructing the QApplication.
    static void setDefaultSurfaceFormat();

signals:
    void frameDrawn();
    // Every key press, as Qt reports it (views react to keys such as Esc without polling ImGui).
    void keyPressed(int qtKey);

protected:
    void initializeGL() override;
    void paintGL() override;
    void mouseMoveEvent(QMouseEvent* e) override;
    void mousePressEvent(QMouseEvent* e) override;
    void mouseReleaseEvent(QMouseEvent* e) override;
    void mouseDoubleClickEvent(QMouseEvent* e) override;
    void wheelEvent(QWheelEvent* e) override;
    void keyPressEvent(QKeyEvent* e) override;
    void keyReleaseEvent(QKeyEvent* e) override;
    void leaveEvent(QEvent* e) override;

private:
    // ImGui 1.86 samples input state once per frame, so a press and release arriving
    // between two frames would be lost. Input is queued and a button change is applied
    // at most once per frame.
    struct InputEvent {
        std::function<void(ImGuiIO&)> apply;
        bool buttonChange = false;
    };
    void enqueue(std::function<void(ImGuiIO&)> apply, bool buttonChange = false);
    void applyQueuedInput(ImGuiIO& io);
    void shutdownImGui();

    ImGuiContext* ctx_ = nullptr;
    QOpenGLContext* watchedContext_ = nullptr;
    bool backendReady_ = false;
    std::function<void()> draw_;
    std::deque<InputEvent> input_;
    int extraFrames_ = 0;
    quint64 frames_ = 0;
    QElapsedTimer clock_;
    double lastTime_ = 0;
};

}  // namespace scalpel

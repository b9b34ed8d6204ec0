#pragma once
// Starts the Qt workbench; `files` are opened in it. Returns the event loop's exit code.
namespace scalpel {
int runGui(int argc, char** argv);
}

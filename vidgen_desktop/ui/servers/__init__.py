"""Several ComfyUI servers in the window: their list in Settings, their health in the status bar
and the Servers panel, and the server a stage is pinned to."""

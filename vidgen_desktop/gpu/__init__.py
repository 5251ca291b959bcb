"""The GPU between the two servers (no Qt): how much memory each holds (NVML, ComfyUI's
/system_stats, Ollama's /api/ps) and the hand-off that frees one before the other loads.

Kept apart from core/, which does no network I/O.
"""

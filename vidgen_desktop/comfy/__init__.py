"""ComfyUI engine (no Qt): HTTP client, event socket, and `run_job` that ends with files on disk.

Usage (inside a TaskRunner function, i.e. a worker thread)::

    from vidgen_desktop.comfy import ComfyClient, JobOptions, run_job

    client = ComfyClient(settings.comfyui_url)          # one per server; keeps one WebSocket
    client.system_stats().primary.vram_free              # version / VRAM (status bar)
    client.object_info()                                 # cached per client, for preflight
    ref = client.upload(Path("voice.wav")).node_value    # put into a LoadAudio/LoadImage input

    def job(report, token):                              # TaskRunner.start(job)
        result = run_job(client, graph, report, token, project, "image", JobOptions())
        return result.first("image").path                # file already inside project/image/

`report` receives core Progress values: kind "status"/"step" (fraction capped below 1.0 until the
files are on disk, eta_s from the measured step rate, extra: node, step, steps, queue_remaining)
and kind "preview" (preview = JPEG/PNG bytes of the live frame). Cancel = `token.cancel()`:
a running prompt is interrupted, a queued one deleted; run_job then raises core Cancelled.

Errors (all VidGenError): WorkflowRejected (.problems: per-node, per-input NodeProblem with
missing_model / model_folder / missing_node_class), ExecutionFailed and OutOfMemory, JobInterrupted,
JobLost (server restarted), UploadTooLarge, core ServerUnavailable / StorageError / Cancelled.
`client.free()` posts /free (unload_models + free_memory) for the Ollama hand-off.
"""

from __future__ import annotations

from vidgen_desktop.core.lazy_exports import lazy_exports

# Names load on first use (PEP 562): the GUI imports this package's types at start-up, but the
# client, its pydantic models and websocket-client only when a worker talks to a server.
_EXPORTS = {
    "ComfyClient": "client",
    "new_prompt_id": "client",
    "ExecutionFailed": "errors",
    "JobInterrupted": "errors",
    "JobLost": "errors",
    "NodeProblem": "errors",
    "OutOfMemory": "errors",
    "UploadTooLarge": "errors",
    "WorkflowRejected": "errors",
    "JobOptions": "job",
    "JobResult": "job",
    "OutputFile": "job",
    "classify": "job",
    "run_job": "job",
}

__all__ = sorted(_EXPORTS)


__getattr__ = lazy_exports(__name__, _EXPORTS)

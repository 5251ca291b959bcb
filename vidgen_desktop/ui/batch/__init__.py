"""The Batch page: many topics, one project each, run across the ComfyUI servers."""

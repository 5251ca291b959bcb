"""Custom node packs and loader folders we can name when preflight finds something missing.

Class lists come from the packs' recorded `/object_info` (transcripts/v0.25/
comfyui_object_info_<pack>.json), so a missing class maps to the pack a user must install.
"""

from __future__ import annotations

from vidgen_desktop.workflow.models import NodePack

QWEN_TTS = NodePack(
    name="ComfyUI-Qwen-TTS (Qwen3-TTS)",
    repo="https://github.com/flybirdxx/ComfyUI-Qwen-TTS",
    classes=[
        "FB_Qwen3TTSConfig",
        "FB_Qwen3TTSCustomVoice",
        "FB_Qwen3TTSDialogueInference",
        "FB_Qwen3TTSLoadSpeaker",
        "FB_Qwen3TTSRoleBank",
        "FB_Qwen3TTSSaveVoice",
        "FB_Qwen3TTSTrain",
        "FB_Qwen3TTSVoiceClone",
        "FB_Qwen3TTSVoiceClonePrompt",
        "FB_Qwen3TTSVoiceDesign",
    ],
    install='ComfyUI-Manager → Custom Nodes Manager → search "Qwen3-TTS" → Install; or '
    "git clone the repo into ComfyUI/custom_nodes/ComfyUI-Qwen-TTS and run "
    "pip install -r requirements.txt with ComfyUI's Python",
    models_note="Weights go to ComfyUI/models/qwen-tts/ (e.g. Qwen3-TTS-12Hz-1.7B-CustomVoice); "
    "the pack downloads them from Hugging Face on first use if missing.",
)

TTS_AUDIO_SUITE = NodePack(
    name="TTS Audio Suite",
    repo="https://github.com/diodiogod/TTS-Audio-Suite",
    classes=[
        "ASRPunctuationTruecaseNode",
        "CharacterVoicesNode",
        "ChatterBoxAudioAnalyzer",
        "ChatterBoxAudioAnalyzerOptions",
        "ChatterBoxEngineNode",
        "ChatterBoxF5TTSEditOptions",
        "ChatterBoxF5TTSEditVoice",
        "ChatterBoxOfficial23LangEngineNode",
        "ChatterBoxVoiceCapture",
        "CosyVoiceEngineNode",
        "DotsTTSEngineNode",
        "EchoTTSEngineNode",
        "F5TTSEngineNode",
        "FishAudioS2EngineNode",
        "GraniteASREngineNode",
        "HiggsAudioEngineNode",
        "HiggsAudioV3EngineNode",
        "IndexTTSEmotionOptionsNode",
        "IndexTTSEngineNode",
        "LoadRVCModelNode",
        "MergeAudioNode",
        "MossClipStagingNode",
        "MossDatasetPrepNode",
        "MossDatasetRowsNode",
        "MossSoundEffectV2EngineNode",
        "MossTTSEngineNode",
        "MossTrainingConfigNode",
        "MouthMovementAnalyzer",
        "OmniVoiceEngineNode",
        "OmniVoiceInstructionBuilderNode",
        "PhonemeTextNormalizer",
        "Qwen3TTSEngineNode",
        "QwenEmotionNode",
        "RVCDatasetPrepNode",
        "RVCEngineNode",
        "RVCPitchOptionsNode",
        "RVCTrainingConfigNode",
        "RefreshVoiceCacheNode",
        "SRTAdvancedOptionsNode",
        "SaveCharacterVoiceNode",
        "StepAudioEditXAudioEditorNode",
        "StepAudioEditXEngineNode",
        "StringMultilineTagEditor",
        "TextToSRTBuilderNode",
        "UnifiedASRTranscribeNode",
        "UnifiedModelTrainingNode",
        "UnifiedSoundEffectsNode",
        "UnifiedTTSSRTNode",
        "UnifiedTTSTextNode",
        "UnifiedVoiceChangerNode",
        "UnifiedVoiceDesignerNode",
        "VibeVoiceEngineNode",
        "VisemeDetectionOptionsNode",
        "VocalRemovalNode",
        "VoiceFixerNode",
    ],
    install='ComfyUI-Manager → search "TTS Audio Suite" → Install; or git clone the repo '
    "into ComfyUI/custom_nodes/ and run python install.py with ComfyUI's Python",
    models_note="Engines download their weights into ComfyUI/models/TTS/<engine>/ on first use.",
)

VIBEVOICE = NodePack(
    name="ComfyUI-VibeVoice",
    repo="https://github.com/wildminder/ComfyUI-VibeVoice",
    classes=["VibeVoiceTTS"],
    install='ComfyUI-Manager → search "ComfyUI-VibeVoice" → Install; or git clone the repo '
    "into ComfyUI/custom_nodes/ and pip install -r requirements.txt (needs transformers 4.x)",
    models_note="Weights go to ComfyUI/models/tts/VibeVoice/.",
)

KNOWN_PACKS: tuple[NodePack, ...] = (QWEN_TTS, TTS_AUDIO_SUITE, VIBEVOICE)

#: (loader class, input) -> subfolder of ComfyUI/models/ the server lists files from.
LOADER_FOLDERS: dict[tuple[str, str], str] = {
    ("CheckpointLoaderSimple", "ckpt_name"): "checkpoints",
    ("ImageOnlyCheckpointLoader", "ckpt_name"): "checkpoints",
    ("UNETLoader", "unet_name"): "diffusion_models",
    ("CLIPLoader", "clip_name"): "text_encoders",
    ("DualCLIPLoader", "clip_name1"): "text_encoders",
    ("DualCLIPLoader", "clip_name2"): "text_encoders",
    ("VAELoader", "vae_name"): "vae",
    ("AudioEncoderLoader", "audio_encoder_name"): "audio_encoders",
    ("LoraLoader", "lora_name"): "loras",
    ("LoraLoaderModelOnly", "lora_name"): "loras",
    ("CLIPVisionLoader", "clip_name"): "clip_vision",
    ("ControlNetLoader", "control_net_name"): "controlnet",
    ("UpscaleModelLoader", "model_name"): "upscale_models",
    ("ModelPatchLoader", "name"): "model_patches",
}


def pack_for_class(class_type: str) -> NodePack | None:
    return next((p for p in KNOWN_PACKS if class_type in p.classes), None)

"""Tiny, randomly initialised diffusers pipelines, built by the tests themselves (nothing is
downloaded): each family's real pipeline class with every component shrunk to a few channels, so a
2-step generation at 16-32 px runs in well under a second on CPU.

``build(family, kind)`` returns a pipeline; ``save(family, kind, folder)`` writes it with
``save_pretrained`` so tests can load it back through shotgraph's offline loader.
"""

from __future__ import annotations

from pathlib import Path

import torch

# A small word-level vocabulary shared by the CLIP and T5 tokenizers below.
_WORDS = ["a", "red", "ball", "cat", "walks", "on", "the", "beach", "sunset", "city", "night", "blue",
          "sky", "camera", "pans", "left", "slowly", "dog", "runs", "field"]


def clip_tokenizer():
    from transformers import CLIPTokenizer

    # transformers 5: vocab/merges must be passed as objects (file paths given as vocab_file= are ignored)
    specials = ["<|startoftext|>", "<|endoftext|>"]
    letters = sorted({c for w in _WORDS for c in w})
    tokens = list(dict.fromkeys(specials + letters + [c + "</w>" for c in letters] + [w + "</w>" for w in _WORDS]))
    vocab = {tok: i for i, tok in enumerate(tokens)}  # ids must be unique and contiguous to round-trip
    merges: list[tuple[str, str]] = []
    for word in _WORDS:  # merge each word left to right: c1 c2 -> c1c2, ... -> word</w>
        pieces = list(word[:-1]) + [word[-1] + "</w>"]
        while len(pieces) > 1:
            merged = pieces[0] + pieces[1]
            if (pieces[0], pieces[1]) not in merges:
                merges.append((pieces[0], pieces[1]))
            vocab.setdefault(merged, len(vocab))
            pieces = [merged] + pieces[2:]
    return CLIPTokenizer(vocab=vocab, merges=merges, model_max_length=77)


def t5_tokenizer():
    from transformers import T5Tokenizer

    pieces = [("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0)] + [("\u2581" + w, -1.0) for w in _WORDS]
    pieces += [(c, -5.0) for c in "abcdefghijklmnopqrstuvwxyz"] + [("\u2581", -3.0)]
    return T5Tokenizer(vocab=pieces, extra_ids=0, model_max_length=64)


def clip_text_encoder(hidden: int):
    from transformers import CLIPTextConfig, CLIPTextModel

    torch.manual_seed(0)
    config = CLIPTextConfig(bos_token_id=0, eos_token_id=1, pad_token_id=1, hidden_size=hidden,
                            intermediate_size=16, num_attention_heads=2, num_hidden_layers=2,
                            vocab_size=1000, max_position_embeddings=77, projection_dim=hidden)
    return CLIPTextModel(config)


def t5_encoder(dim: int = 32, umt5: bool = False):
    from transformers import T5Config, T5EncoderModel, UMT5Config, UMT5EncoderModel

    torch.manual_seed(0)
    config = (UMT5Config if umt5 else T5Config)(vocab_size=256, d_model=dim, d_kv=8, d_ff=37, num_layers=2, num_heads=4,
                      relative_attention_num_buckets=8, pad_token_id=0, eos_token_id=1, decoder_start_token_id=0)
    return (UMT5EncoderModel if umt5 else T5EncoderModel)(config)


def clip_vision(hidden: int, projection: bool = True):
    from transformers import CLIPImageProcessor, CLIPVisionConfig, CLIPVisionModel, CLIPVisionModelWithProjection

    # The real encoders' 224 px input (SVD resizes PIL images to 224 itself), in 7x7 patches: cheap.
    image_size = 224
    torch.manual_seed(0)
    config = CLIPVisionConfig(hidden_size=hidden, projection_dim=hidden, num_hidden_layers=2, num_attention_heads=2,
                              image_size=image_size, intermediate_size=16, patch_size=32)
    processor = CLIPImageProcessor(crop_size=image_size, size={"shortest_edge": image_size})
    return (CLIPVisionModelWithProjection if projection else CLIPVisionModel)(config), processor


def _sd_parts(cross: int = 8):
    from diffusers import AutoencoderKL, DDIMScheduler, UNet2DConditionModel

    torch.manual_seed(0)
    unet = UNet2DConditionModel(block_out_channels=(8, 8), layers_per_block=1, sample_size=8, in_channels=4,
                                out_channels=4, down_block_types=("CrossAttnDownBlock2D", "DownBlock2D"),
                                up_block_types=("UpBlock2D", "CrossAttnUpBlock2D"), cross_attention_dim=cross,
                                norm_num_groups=2, attention_head_dim=2)
    torch.manual_seed(0)
    vae = AutoencoderKL(block_out_channels=(8, 8), in_channels=3, out_channels=3,
                        down_block_types=("DownEncoderBlock2D",) * 2, up_block_types=("UpDecoderBlock2D",) * 2,
                        latent_channels=4, norm_num_groups=2)
    scheduler = DDIMScheduler(beta_start=0.00085, beta_end=0.012, beta_schedule="linear", clip_sample=False)
    return {"unet": unet, "vae": vae, "scheduler": scheduler,
            "text_encoder": clip_text_encoder(cross), "tokenizer": clip_tokenizer()}


def svd():
    from diffusers import (AutoencoderKLTemporalDecoder, EulerDiscreteScheduler, StableVideoDiffusionPipeline,
                           UNetSpatioTemporalConditionModel)

    torch.manual_seed(0)
    unet = UNetSpatioTemporalConditionModel(
        # SVD's blocks hard-code 32 norm groups, so 32 channels is the floor
        block_out_channels=(32, 32), layers_per_block=1, sample_size=16, in_channels=8, out_channels=4,
        down_block_types=("CrossAttnDownBlockSpatioTemporal", "DownBlockSpatioTemporal"),
        up_block_types=("UpBlockSpatioTemporal", "CrossAttnUpBlockSpatioTemporal"),
        cross_attention_dim=16, num_attention_heads=2, projection_class_embeddings_input_dim=24,
        addition_time_embed_dim=8)
    torch.manual_seed(0)
    vae = AutoencoderKLTemporalDecoder(block_out_channels=[32, 32], in_channels=3, out_channels=3,
                                       down_block_types=["DownEncoderBlock2D"] * 2, latent_channels=4,
                                       layers_per_block=1)
    scheduler = EulerDiscreteScheduler(beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear",
                                       interpolation_type="linear", prediction_type="v_prediction", sigma_max=700.0,
                                       sigma_min=0.002, steps_offset=1, timestep_spacing="leading",
                                       timestep_type="continuous", use_karras_sigmas=True)
    encoder, processor = clip_vision(16)
    return StableVideoDiffusionPipeline(vae=vae, image_encoder=encoder, unet=unet, scheduler=scheduler,
                                        feature_extractor=processor)


def modelscope():
    from diffusers import TextToVideoSDPipeline, UNet3DConditionModel

    parts = _sd_parts(cross=8)
    torch.manual_seed(0)
    parts["unet"] = UNet3DConditionModel(
        block_out_channels=(8, 16), layers_per_block=1, sample_size=8, in_channels=4, out_channels=4,
        down_block_types=("CrossAttnDownBlock3D", "DownBlock3D"), up_block_types=("UpBlock3D", "CrossAttnUpBlock3D"),
        cross_attention_dim=8, attention_head_dim=4, norm_num_groups=2)
    return TextToVideoSDPipeline(**parts)


def animatediff(control: bool = False):
    from diffusers import AnimateDiffControlNetPipeline, AnimateDiffPipeline, ControlNetModel, MotionAdapter

    parts = _sd_parts(cross=8)
    torch.manual_seed(0)
    parts["motion_adapter"] = MotionAdapter(block_out_channels=(8, 8), motion_layers_per_block=1,
                                            motion_norm_num_groups=2, motion_num_attention_heads=2)
    if not control:
        return AnimateDiffPipeline(**parts)
    torch.manual_seed(0)
    parts["controlnet"] = ControlNetModel(block_out_channels=(8, 8), layers_per_block=1, in_channels=4,
                                          down_block_types=("CrossAttnDownBlock2D", "DownBlock2D"),
                                          cross_attention_dim=8, conditioning_embedding_out_channels=(8, 8),
                                          norm_num_groups=2, attention_head_dim=2)
    return AnimateDiffControlNetPipeline(**parts)


def sd_img2img():
    from diffusers import StableDiffusionImg2ImgPipeline

    return StableDiffusionImg2ImgPipeline(**_sd_parts(cross=8), safety_checker=None, feature_extractor=None,
                                          requires_safety_checker=False)


def faithful_vae():
    """A tiny AutoencoderKL whose latents are the picture itself (RGB in channels 0-2, at full size)
    and whose decoder gives it back (to 1/500 of full scale): weights set, not random.

    Its resnet branches are zero (identity blocks); what remains is conv_in, GroupNorm, SiLU and
    conv_out. GroupNorm normalises each group by its statistics, so every group holds one colour
    channel as (x, -x) beside a constant pair (K, -K): the group's mean is 0 and its deviation is
    ~K / sqrt(2) whatever the picture, and the norm's scale undoes it; a shift of 10 keeps SiLU
    (x * sigmoid(x)) in its straight part, and conv_out takes the shift off again.
    """
    from diffusers import AutoencoderKL

    big, shift = 1000.0, 10.0
    vae = AutoencoderKL(block_out_channels=(12,), down_block_types=("DownEncoderBlock2D",),
                        up_block_types=("UpDecoderBlock2D",), latent_channels=4, norm_num_groups=3,
                        mid_block_add_attention=False, scaling_factor=1.0)
    with torch.no_grad():
        for parameter in vae.parameters():
            parameter.zero_()

        def spread(conv):  # input channel c -> channels 4c..4c+3 = (x, -x, K, -K)
            for c in range(3):
                conv.weight[4 * c, c, 1, 1], conv.weight[4 * c + 1, c, 1, 1] = 1.0, -1.0
                conv.bias[4 * c + 2], conv.bias[4 * c + 3] = big, -big

        def gather(norm, conv):  # undo the norm's division, shift past SiLU's bend, take x back out
            norm.weight.fill_(big / 2 ** 0.5)
            norm.bias.fill_(shift)
            for c in range(3):
                conv.weight[c, 4 * c, 1, 1], conv.bias[c] = 1.0, -shift

        spread(vae.encoder.conv_in)
        gather(vae.encoder.conv_norm_out, vae.encoder.conv_out)
        vae.encoder.conv_out.bias[4:] = -30.0  # log-variance: sampling the latent adds ~1e-7
        vae.quant_conv.weight[:, :, 0, 0] = torch.eye(8)
        vae.post_quant_conv.weight[:, :, 0, 0] = torch.eye(4)
        spread(vae.decoder.conv_in)
        gather(vae.decoder.conv_norm_out, vae.decoder.conv_out)
    return vae


def sd_img2img_drift():
    """A tiny SD img2img that keeps the picture but shifts its colours a little on every pass, like
    a real model's colour drift: the faithful VAE above, and a random UNet whose output is scaled
    down and offset by a fixed tint (it predicts tinted noise, so each pass removes that tint)."""
    from diffusers import StableDiffusionImg2ImgPipeline

    from diffusers import UNet2DConditionModel

    parts = _sd_parts(cross=8)
    parts["vae"] = faithful_vae()
    # the latents are full size here (no VAE downsampling): attend at half size, where it is cheap
    torch.manual_seed(0)
    parts["unet"] = UNet2DConditionModel(block_out_channels=(8, 8), layers_per_block=1, sample_size=8, in_channels=4,
                                         out_channels=4, down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
                                         up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"), cross_attention_dim=8,
                                         norm_num_groups=2, attention_head_dim=2)
    with torch.no_grad():
        out = parts["unet"].conv_out
        out.weight.mul_(0.1)
        out.bias.copy_(torch.tensor([1.5, 0.0, -1.5, 0.0]))  # less red, more blue, every pass
    return StableDiffusionImg2ImgPipeline(**parts, safety_checker=None, feature_extractor=None,
                                          requires_safety_checker=False)


def cogvideox(image: bool = False):
    from diffusers import (AutoencoderKLCogVideoX, CogVideoXImageToVideoPipeline, CogVideoXPipeline,
                           CogVideoXTransformer3DModel, DDIMScheduler)

    torch.manual_seed(0)
    transformer = CogVideoXTransformer3DModel(
        num_attention_heads=2, attention_head_dim=16, in_channels=8 if image else 4, out_channels=4,
        time_embed_dim=2, text_embed_dim=32, num_layers=1, sample_width=2, sample_height=2, sample_frames=9,
        patch_size=2, temporal_compression_ratio=4, max_text_seq_length=16,
        use_rotary_positional_embeddings=image, use_learned_positional_embeddings=image)
    torch.manual_seed(0)
    vae = AutoencoderKLCogVideoX(in_channels=3, out_channels=3, down_block_types=("CogVideoXDownBlock3D",) * 4,
                                 up_block_types=("CogVideoXUpBlock3D",) * 4, block_out_channels=(8, 8, 8, 8),
                                 latent_channels=4, layers_per_block=1, norm_num_groups=2, temporal_compression_ratio=4)
    cls = CogVideoXImageToVideoPipeline if image else CogVideoXPipeline
    return cls(tokenizer=t5_tokenizer(), text_encoder=t5_encoder(32), vae=vae, transformer=transformer,
               scheduler=DDIMScheduler())


def ltx():
    from diffusers import AutoencoderKLLTXVideo, FlowMatchEulerDiscreteScheduler, LTXPipeline, LTXVideoTransformer3DModel

    torch.manual_seed(0)
    transformer = LTXVideoTransformer3DModel(in_channels=8, out_channels=8, patch_size=1, patch_size_t=1,
                                             num_attention_heads=4, attention_head_dim=8, cross_attention_dim=32,
                                             num_layers=1, caption_channels=32)
    torch.manual_seed(0)
    vae = AutoencoderKLLTXVideo(in_channels=3, out_channels=3, latent_channels=8, block_out_channels=(8, 8, 8, 8),
                                decoder_block_out_channels=(8, 8, 8, 8), layers_per_block=(1, 1, 1, 1, 1),
                                decoder_layers_per_block=(1, 1, 1, 1, 1),
                                spatio_temporal_scaling=(True, True, False, False),
                                decoder_spatio_temporal_scaling=(True, True, False, False),
                                decoder_inject_noise=(False,) * 5, upsample_residual=(False,) * 4,
                                upsample_factor=(1,) * 4, timestep_conditioning=False, patch_size=1, patch_size_t=1,
                                encoder_causal=True, decoder_causal=False)
    return LTXPipeline(scheduler=FlowMatchEulerDiscreteScheduler(), vae=vae, text_encoder=t5_encoder(32),
                       tokenizer=t5_tokenizer(), transformer=transformer)


def wan(image: bool = False):
    from diffusers import (AutoencoderKLWan, FlowMatchEulerDiscreteScheduler, WanImageToVideoPipeline, WanPipeline,
                           WanTransformer3DModel)

    torch.manual_seed(0)
    vae = AutoencoderKLWan(base_dim=3, z_dim=16, dim_mult=[1, 1, 1, 1], num_res_blocks=1,
                           temperal_downsample=[False, True, True])
    torch.manual_seed(0)
    transformer = WanTransformer3DModel(patch_size=(1, 2, 2), num_attention_heads=2, attention_head_dim=12,
                                        in_channels=36 if image else 16, out_channels=16, text_dim=32, freq_dim=256,
                                        ffn_dim=32, num_layers=2, cross_attn_norm=True,
                                        qk_norm="rms_norm_across_heads", rope_max_seq_len=32,
                                        image_dim=4 if image else None)
    common = dict(tokenizer=t5_tokenizer(), text_encoder=t5_encoder(32, umt5=True), vae=vae,
                  scheduler=FlowMatchEulerDiscreteScheduler(shift=7.0), transformer=transformer)
    if not image:
        return WanPipeline(**common)
    encoder, processor = clip_vision(4, projection=False)
    return WanImageToVideoPipeline(**common, image_encoder=encoder, image_processor=processor)


BUILDERS = {
    ("svd", "image"): svd,
    ("modelscope", "text"): modelscope,
    ("animatediff", "text"): animatediff,
    ("animatediff", "control"): lambda: animatediff(control=True),
    ("cogvideox", "text"): cogvideox,
    ("cogvideox", "image"): lambda: cogvideox(image=True),
    ("ltx", "text"): ltx,
    ("wan", "text"): wan,
    ("wan", "image"): lambda: wan(image=True),
    ("sd", "img2img"): sd_img2img,
    ("sd", "drift"): sd_img2img_drift,
}


def save(family: str, kind: str, folder: Path) -> Path:
    """Build the tiny pipeline and write it with save_pretrained (safetensors) into ``folder``."""
    pipe = BUILDERS[(family, kind)]()
    pipe.save_pretrained(folder)
    return folder


def save_controlnet(folder: Path) -> Path:
    """A tiny SD 1.5-shaped ControlNet on its own, as users install one next to their base model."""
    from diffusers import ControlNetModel

    torch.manual_seed(0)
    model = ControlNetModel(block_out_channels=(8, 8), layers_per_block=1, in_channels=4,
                            down_block_types=("CrossAttnDownBlock2D", "DownBlock2D"), cross_attention_dim=8,
                            conditioning_embedding_out_channels=(8, 8), norm_num_groups=2, attention_head_dim=2)
    # A new ControlNet's output convolutions start at zero (it adds nothing until trained); give them
    # weights so the guide visibly steers the tiny model, as a trained one does.
    with torch.no_grad():
        for parameter in model.parameters():
            if not parameter.any():
                parameter.normal_(0.0, 5.0)
    model.save_pretrained(folder)
    return folder

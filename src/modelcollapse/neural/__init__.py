"""Shared PyTorch support: device and precision handling, decoding, CUDA graphs, checkpoints."""

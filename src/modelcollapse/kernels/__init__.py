"""Batched kernels: many replicates of a chain as one array program."""

"""The generic core: seed tree, data and pool, the chain loop, the contracts, tidy results.

Nothing here knows a family by name. A model offers its batched kernel
(:attr:`~modelcollapse.core.model.Model.kernel`), a family registers its
components, theories and retrieval correction (:mod:`modelcollapse.core.registry`),
and the chain runs whatever it is given.
"""

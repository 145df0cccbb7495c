"""Invented package names across generations: the writer, the squatter and the defences.

A family of its own inside the code study: a world of real package names
(:mod:`.world`) and the mistakes a model makes of them (:mod:`.mistakes`,
:mod:`.universe`), a model that recommends names as its training code did
and slips with the rate Spracklen et al. (2025) measured (:mod:`.model`), a
squatter who registers the invented names it writes most, defences that check
names against the live or a low-background registry or send them to human
review (:mod:`.defences`), the metrics (:mod:`.metrics`), a batched kernel
that runs thousands of replicates as one program (:mod:`.kernel`, and
:mod:`.sparse` for chains with neither squatter nor defence) and the
closed form for the simplest case (:mod:`.theory`).
"""

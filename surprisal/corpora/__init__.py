"""Reading-time corpus readers, corpus manifests and published-surprisal importers."""

from .base import Corpus, CorpusError, normalize_word
from .generic import read_stimuli_file
from .manifest import ManifestReport, load_manifest, verify_corpus
from .meco import read_meco_en
from .merge import WordMismatchError, merge_measures
from .natural_stories import (
    natural_stories_text_variants,
    read_natural_stories,
    read_natural_stories_means,
    read_natural_stories_spr,
    read_natural_stories_stimuli,
    read_spr_raw,
)
from .provo import read_motr_provo
from .published import (
    read_boyce_levy_2023,
    read_gpt3_logprobs,
    read_gpt_surp_trans,
    read_lmzoo_surprisals,
    read_pauli_levinson,
    to_bits,
)
from .tables import analysis_table, natural_stories_table

__all__ = [
    "analysis_table",
    "natural_stories_table",
    "natural_stories_text_variants",
    "Corpus",
    "CorpusError",
    "ManifestReport",
    "WordMismatchError",
    "load_manifest",
    "merge_measures",
    "normalize_word",
    "read_boyce_levy_2023",
    "read_gpt3_logprobs",
    "read_gpt_surp_trans",
    "read_lmzoo_surprisals",
    "read_meco_en",
    "read_motr_provo",
    "read_natural_stories",
    "read_natural_stories_means",
    "read_natural_stories_spr",
    "read_natural_stories_stimuli",
    "read_pauli_levinson",
    "read_spr_raw",
    "read_stimuli_file",
    "to_bits",
    "verify_corpus",
]

"""Reading and writing the project's data files safely."""
from .atomic import OutputExistsError, atomic_open, atomic_path, check_outputs
from .checkpoint import CheckpointError, load_checkpoint, trusted_checkpoint
from .safe_pickle import RefusedPickleError, UnsafePickleError, load_pickle, safe_load_pickle, save_pickle
from .scores import ScoreDump, load_scores, save_scores

__all__ = ['OutputExistsError', 'atomic_open', 'atomic_path', 'check_outputs', 'CheckpointError', 'load_checkpoint',
           'trusted_checkpoint', 'RefusedPickleError', 'UnsafePickleError', 'load_pickle', 'safe_load_pickle',
           'save_pickle', 'ScoreDump', 'load_scores', 'save_scores']

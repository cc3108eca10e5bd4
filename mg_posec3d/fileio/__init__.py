"""Reading and writing the project's data files safely."""
from .safe_pickle import UnsafePickleError, load_pickle, safe_load_pickle, save_pickle
from .scores import ScoreDump, load_scores, save_scores

__all__ = ['UnsafePickleError', 'load_pickle', 'safe_load_pickle', 'save_pickle', 'ScoreDump', 'load_scores',
           'save_scores']

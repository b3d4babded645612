"""`gfmd-search eval-partners`: partner suggestion scored against real records.

    records.py    IOM evaluation records and GFMD roundtables as documents, queries and judgments
    splits.py     the committed fit / tune / test split of the IOM records (ids in split.json)
    baselines.py  popularity, role popularity and the nearest-neighbour vote
    scoring.py    ranx: MAP@100, P@5, Recall@10, paired randomisation tests, TREC run files
    runner.py     the models and baselines on a task's queries, through `gfmd_search.partners.suggest`
    training.py   the learned ranker, trained with scikit-learn, settings by cross-validation
    tuning.py     the voting model's grid and the nearest-neighbour k, on the tune split
    report.py     metrics, per-query scores, run files and Markdown reports
    command.py    the command's steps
"""

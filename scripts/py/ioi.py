#!/usr/bin/python3
"""Indirect-object identification (IOI) prompts in the style of Wang et al. 2022.

A template has three name slots: {A} and {B} are introduced together, {C} is the subject who
repeats (S2). The answer is the indirect object (IO), the name that occurs once:

    When Mary and John went to the store, John gave a drink to   ->  " Mary"   (wrong: " John")

Orders: ABBA (IO first: "Mary and John ..., John ...") and BABA (S first: "John and Mary ...,
John ..."). Both occur with equal probability, so the answer cannot be read off a position: the
model has to compare S2 with the two earlier names, i.e. look back.

    generate(n, seed, templates=TRAIN_TEMPLATES, names=NAMES, corruption='abc', pairs='all')
        -> [{"clean", "corrupt", "answer", "wrong"}, ...]

answer = " IO", wrong = " S" (leading space: one GPT-2 token each). Corruptions keep the token
count of the clean prompt (every name is one token, everything else is unchanged):
  'abc'     the three name slots get three fresh names, distinct from each other and from IO and S
            ("When Anna and Paul went to the store, Kate gave a drink to"): no answer is decidable.
  's2swap'  S2 is replaced by IO ("When Mary and John went to the store, Mary gave a drink to"):
            the answer flips to S.

Splits for held-out evaluation: TRAIN_TEMPLATES / HELDOUT_TEMPLATES, and a fixed partition of
the unordered name pairs {IO, S} (pairs='train' or 'heldout'; every name occurs in both parts,
only the combinations differ). HELDOUT_NAMES (names never used in a train prompt) are given for
completeness; a model whose embeddings of those names were never trained is not expected to
handle them.

Prompts carry no BOS here; the model's convention (resources/demo/README.md) is to prefix
"<|endoftext|>" (id 50256) when tokenizing: encode(text, bos=True).

Deterministic: the same arguments give the same prompts (random.Random(seed), no global state).
Run `/usr/bin/python3 scripts/py/ioi.py` for a self-check and a few samples.
"""
import itertools
import os
import random
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BOS = "<|endoftext|>"
BOS_ID = 50256

# {A} {B}: the first two names; {C}: S2; {PLACE}, {OBJECT}. Sentence-initial names never occur
# (every name follows a space, so it is the token " Name").
TEMPLATES = [
    "When {A} and {B} went to the {PLACE}, {C} gave a {OBJECT} to",
    "When {A} and {B} got a {OBJECT} at the {PLACE}, {C} decided to give it to",
    "When {A} and {B} got a {OBJECT} at the {PLACE}, {C} decided to give the {OBJECT} to",
    "Then, {A} and {B} went to the {PLACE}. {C} gave a {OBJECT} to",
    "Then, {A} and {B} had a lot of fun at the {PLACE}. {C} gave a {OBJECT} to",
    "Then, {A} and {B} were working at the {PLACE}. {C} decided to give a {OBJECT} to",
    "Then, {A} and {B} were thinking about going to the {PLACE}. {C} wanted to give a {OBJECT} to",
    "Then, {A} and {B} had a long argument, and afterwards {C} said to",
    "After {A} and {B} went to the {PLACE}, {C} gave a {OBJECT} to",
    "After the lunch, {A} and {B} went to the {PLACE}. {C} gave a {OBJECT} to",
    "Afterwards, {A} and {B} went to the {PLACE}. {C} gave a {OBJECT} to",
    "While {A} and {B} were working at the {PLACE}, {C} gave a {OBJECT} to",
    "While {A} and {B} were commuting to the {PLACE}, {C} gave a {OBJECT} to",
    "Friends {A} and {B} found a {OBJECT} at the {PLACE}. {C} gave it to",
    "The {PLACE} {A} and {B} went to had a {OBJECT}. {C} gave it to",
    # Held out from training: two new arrangements of words that the train templates use, and
    # one with words that no train prompt contains ("walking", "handed").
    "When {A} and {B} were working at the {PLACE}, {C} wanted to give a {OBJECT} to",
    "Then, {A} and {B} went to the {PLACE}, and {C} gave a {OBJECT} to",
    "While {A} and {B} were walking to the {PLACE}, {C} handed a {OBJECT} to",
]
HELDOUT_TEMPLATES = TEMPLATES[15:]
TRAIN_TEMPLATES = [t for t in TEMPLATES if t not in HELDOUT_TEMPLATES]

# Each " Name" is a single GPT-2 token (checked by check_single_tokens()).
NAMES = [
    "Mary", "John", "Tom", "James", "Dan", "Sarah", "Anna", "Paul", "Mark", "Kate",
    "Lisa", "Peter", "David", "Michael", "Chris", "Steve", "Jack", "Ben", "Sam", "Alex",
    "Emma", "Laura", "Rachel", "Jennifer", "Amy", "Matt", "Andrew", "Robert", "Richard", "Daniel",
    "Joseph", "Thomas", "Charles", "George", "Edward", "Henry", "Frank", "Eric", "Adam", "Brian",
    "Kevin", "Jason", "Ryan", "Scott", "Tim", "Joe", "Mike", "Bill", "Bob", "Jim",
    "Jeff", "Greg", "Sean", "Luke", "Kyle", "Josh", "Anne", "Jane", "Helen", "Susan",
    "Karen", "Linda", "Nancy", "Julia", "Grace", "Alice", "Victoria", "Rose", "Jessica", "Emily",
    "Sophie", "Claire", "Nick", "Carl", "Roger", "Tony", "Patrick", "Simon", "Martin", "Max",
    "Ian", "Rebecca", "Maria", "Elizabeth", "Catherine", "Ruth", "Carol", "Arthur", "Oscar", "Harry",
    "Fred", "Walter", "Victor", "Oliver", "Lucy", "Amanda", "Michelle", "Nicole", "William", "Hannah",
]
HELDOUT_NAMES = ["Lauren", "Megan", "Nathan", "Ethan", "Dennis", "Gary", "Howard", "Sandra"]
# Single-token places and objects (consonant-initial objects, so "a {OBJECT}" reads right).
PLACES = ["store", "park", "school", "hospital", "restaurant", "office", "garden", "station",
          "beach", "market", "house", "library", "church", "river", "museum", "bank"]
OBJECTS = ["drink", "ring", "kiss", "bone", "basketball", "computer", "necklace", "book",
           "letter", "gift", "cake", "pen", "key", "ball", "flower", "snack", "bag"]

HELDOUT_PAIR_FRACTION = 0.2
_PAIR_SPLIT_SEED = 20220811


def _heldout_pairs(names):
    """A fixed 20 % of the unordered pairs of `names` (by a seeded shuffle of the sorted pairs)."""
    pairs = list(itertools.combinations(sorted(set(names)), 2))   # sorted tuples, in sorted order
    random.Random(_PAIR_SPLIT_SEED).shuffle(pairs)
    return frozenset(frozenset(p) for p in pairs[:int(round(HELDOUT_PAIR_FRACTION * len(pairs)))])


HELDOUT_PAIRS = _heldout_pairs(NAMES)


def pair_is_heldout(a, b):
    return frozenset((a, b)) in HELDOUT_PAIRS


def _fill(template, a, b, c, place, obj):
    return template.format(A=a, B=b, C=c, PLACE=place, OBJECT=obj)


def generate(n, seed, templates=None, names=None, corruption="abc", pairs="all", places=None, objects=None,
             order="mixed", meta=False):
    """n IOI prompt pairs. templates/names/places/objects default to TRAIN_TEMPLATES/NAMES/PLACES/OBJECTS.
    pairs: 'all', 'train' (no {IO,S} in HELDOUT_PAIRS) or 'heldout' (only HELDOUT_PAIRS; names must be NAMES).
    order: 'mixed' (ABBA or BABA at random), 'ABBA' or 'BABA'. meta=True adds template, order, io, s."""
    templates = list(TRAIN_TEMPLATES if templates is None else templates)
    names = list(NAMES if names is None else names)
    places = list(PLACES if places is None else places)
    objects = list(OBJECTS if objects is None else objects)
    if corruption not in ("abc", "s2swap"):
        raise ValueError(f"corruption must be 'abc' or 's2swap', not {corruption!r}")
    if pairs not in ("all", "train", "heldout"):
        raise ValueError(f"pairs must be 'all', 'train' or 'heldout', not {pairs!r}")
    if order not in ("mixed", "ABBA", "BABA"):
        raise ValueError(f"order must be 'mixed', 'ABBA' or 'BABA', not {order!r}")
    if len(set(names)) < 5:
        raise ValueError("need at least 5 distinct names (IO, S and three fresh ABC names)")
    heldout = sorted(tuple(sorted(p)) for p in HELDOUT_PAIRS if p <= set(names)) if pairs == "heldout" else None
    if pairs == "heldout" and not heldout:
        raise ValueError("no held-out pair lies within these names")
    rng = random.Random(seed)
    out = []
    while len(out) < n:
        t = rng.choice(templates)
        if heldout is not None:
            io, s = rng.choice(heldout)
            if rng.random() < 0.5:
                io, s = s, io
        else:
            io, s = rng.sample(names, 2)
            if pairs == "train" and pair_is_heldout(io, s):
                continue
        place, obj = rng.choice(places), rng.choice(objects)
        o = order if order != "mixed" else ("ABBA" if rng.random() < 0.5 else "BABA")
        a, b = (io, s) if o == "ABBA" else (s, io)
        clean = _fill(t, a, b, s, place, obj)
        if corruption == "abc":
            x, y, z = rng.sample([m for m in names if m not in (io, s)], 3)
            corrupt = _fill(t, x, y, z, place, obj)
        else:
            corrupt = _fill(t, a, b, io, place, obj)
        d = {"clean": clean, "corrupt": corrupt, "answer": " " + io, "wrong": " " + s}
        if meta:
            d.update(template=templates.index(t), order=o, io=io, s=s)
        out.append(d)
    return out


# ---- tokenizer: the real GPT-2 BPE, via the reference encoder of tests/fixtures/gen_tokenizer.py

_TOK = None


def tokenizer():
    """The GPT-2 byte-level BPE (Reference from tests/fixtures/gen_tokenizer.py, which reads
    ../shared/real/gpt2_tokenizer/encoder.json + vocab.bpe in place)."""
    global _TOK
    if _TOK is None:
        sys.path.insert(0, os.path.join(ROOT, "tests", "fixtures"))
        import gen_tokenizer  # noqa: E402
        vocab, merges = gen_tokenizer.load_gpt2()
        _TOK = gen_tokenizer.Reference(vocab, merges)
    return _TOK


def tokenizer_dir():
    """The folder with the GPT-2 encoder.json, vocab.bpe and LICENSE (../shared/real/gpt2_tokenizer)."""
    tokenizer()
    import gen_tokenizer  # noqa: E402
    return os.path.join(gen_tokenizer.SHARED, "gpt2_tokenizer")


def encode(text, bos=True):
    ids = tokenizer().encode(text)
    return [BOS_ID] + ids if bos else ids


def token_id(word):
    """Id of a single-token string such as " Mary"; raises if it is not one token."""
    ids = encode(word, bos=False)
    if len(ids) != 1:
        raise ValueError(f"{word!r} is {len(ids)} GPT-2 tokens, not 1")
    return ids[0]


def check_single_tokens():
    for w in NAMES + HELDOUT_NAMES + PLACES + OBJECTS:
        token_id(" " + w)


def check_pairs(prompts):
    """Clean and corrupt have equal token counts, and answer/wrong are single tokens."""
    for p in prompts:
        c, k = encode(p["clean"]), encode(p["corrupt"])
        if len(c) != len(k):
            raise AssertionError(f"token counts differ: {p}")
        token_id(p["answer"])
        token_id(p["wrong"])


def main():
    check_single_tokens()
    assert not set(NAMES) & set(HELDOUT_NAMES)
    assert len(set(TEMPLATES)) == len(TEMPLATES) and HELDOUT_TEMPLATES
    for corr in ("abc", "s2swap"):
        a = generate(200, 1, templates=TEMPLATES, corruption=corr, meta=True)
        assert a == generate(200, 1, templates=TEMPLATES, corruption=corr, meta=True), "not deterministic"
        check_pairs(a)
    tr = generate(2000, 2, pairs="train", meta=True)
    assert not any(pair_is_heldout(p["io"], p["s"]) for p in tr)
    he = generate(500, 3, templates=HELDOUT_TEMPLATES, pairs="heldout", meta=True)
    assert all(pair_is_heldout(p["io"], p["s"]) for p in he)
    check_pairs(he)
    print(f"{len(TEMPLATES)} templates ({len(HELDOUT_TEMPLATES)} held out), {len(NAMES)} names, "
          f"{len(HELDOUT_PAIRS)} of {len(NAMES) * (len(NAMES) - 1) // 2} name pairs held out")
    for corr in ("abc", "s2swap"):
        for p in generate(3, 0, templates=TEMPLATES, corruption=corr):
            print(corr, p)
    print("ok")


if __name__ == "__main__":
    main()

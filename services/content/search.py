"""公民查询: search over departments, windows and service types (their names, keywords, materials, FAQ) that works
for Chinese without a segmenter.

Text is cut into overlapping character pairs (bigrams) inside runs of Chinese characters, and into words elsewhere,
as CJK analysers of full-text engines do: 失业金 → 失业, 业金. A query matches a document through the pairs they
share, weighted by where they occur (a name counts most) and by how rare the pair is (idf), and a document that has
all of the query's pairs, or the query itself, ranks first. A few everyday words are expanded to their official
forms (社保 → 社会保险/社会保障), and each service's own keywords carry what citizens type (开饭店, 失业金).

The index is a table (search_terms) next to the documents it points at, rebuilt for an item whenever it changes.
"""

import html
import math
import re
import unicodedata
from collections import Counter, defaultdict
from datetime import UTC, datetime

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert

from services.content.models import Department, News, SearchTerm, ServiceType, Window

CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
WORD = re.compile(r"[0-9a-z]+")
# weights by field: a name says what the item is; a keyword is what citizens call it; the rest mentions it
WEIGHTS = {"name": 5.0, "keywords": 4.0, "parent": 2.0, "summary": 2.0, "body": 1.0}
SINGLE = 0.3  # single characters are indexed weakly: enough for a one-character query, little noise otherwise
# everyday words → the official words pages use
SYNONYMS = {
    "社保": ["社会保险", "社会保障"],
    "医保": ["医疗保险", "医疗保障"],
    "公积金": ["住房公积金"],
    "户口": ["户籍"],
    "低保": ["最低生活保障"],
    "驾照": ["驾驶证"],
    "执照": ["营业执照"],
    "房产证": ["不动产权证书", "不动产登记"],
    "个税": ["个人所得税"],
    "环评": ["环境影响评价"],
}
MAX_QUERY = 50
COMMON = 500  # documents holding a pair before it counts as common


def normalize(text):
    return unicodedata.normalize("NFKC", text or "").lower()


def tokens(text):
    """Bigrams (and, weakly, single characters) of Chinese runs; lowercase words of the rest."""
    text = normalize(text)
    found = Counter()
    for run in CJK.findall(text):
        if len(run) == 1:
            found[run] += 1
        for a, b in zip(run, run[1:], strict=False):
            found[a + b] += 1
    for word in WORD.findall(CJK.sub(" ", text)):
        found[word] += 1
    return found


def _single_chars(text):
    return Counter(ch for run in CJK.findall(normalize(text)) for ch in run)


def document_terms(fields):
    """{token: weight} for a document given {field: text}."""
    weights = defaultdict(float)
    for field, text in fields.items():
        w = WEIGHTS[field]
        for token, n in tokens(text).items():
            weights[token] += w * (1 + math.log(n))
        for ch, n in _single_chars(text).items():
            weights[ch] += w * SINGLE * (1 + math.log(n))
    return weights


def _service_fields(s, window_name):
    faq = " ".join(f"{x.get('q', '')} {x.get('a', '')}" for x in s.faq)
    return {
        "name": s.name,
        "keywords": " ".join(s.keywords),
        "parent": window_name or "",
        "summary": s.summary,
        "body": " ".join([s.description, s.eligibility, " ".join(s.materials), faq]),
    }


TAG = re.compile(r"<[^>]+>")


def _department_fields(d):
    leaders = " ".join(f"{x.name} {x.title}" for x in d.leaders)
    return {"name": d.name, "summary": d.remit, "body": f"{d.description} {leaders}"}


def _news_fields(n):
    return {"name": n.title, "summary": n.summary, "body": html.unescape(TAG.sub(" ", n.body_html))}


def _documents(session, kind=None, item_id=None):
    if kind in ("album", "poster"):  # browsed, not searched
        return

    def rows(model):
        query = select(model)
        return session.scalars(query if item_id is None else query.where(model.id == item_id))

    windows = {w.id: w.name for w in session.scalars(select(Window))}
    if kind in (None, "service"):
        for s in rows(ServiceType):
            yield "service", s.id, _service_fields(s, windows.get(s.window_id))
    if kind in (None, "department"):
        for d in rows(Department):
            yield "department", d.id, _department_fields(d)
    if kind in (None, "window"):
        for w in rows(Window):
            yield "window", w.id, {"name": w.name, "summary": w.description, "body": ""}
    if kind in (None, "news"):
        # drafts and scheduled notices are not in the index at all (not even their words' counts): the schedule
        # timer indexes a notice when its time comes
        now = datetime.now(UTC)
        for n in rows(News):
            if n.status == "published" and n.publish_at <= now:
                yield "news", n.id, _news_fields(n)


def reindex(session):
    """Rebuild the whole index (the demo loader; a bulk import). Per-item changes use index_item."""
    session.execute(delete(SearchTerm))
    _insert(session, _documents(session))


def index_item(session, kind, item_id):
    """Re-index one item after it changed (in the same transaction as the change)."""
    session.execute(delete(SearchTerm).where(SearchTerm.item_type == kind, SearchTerm.item_id == item_id))
    _insert(session, _documents(session, kind, item_id))


def _insert(session, documents):
    rows = [
        {"item_type": kind, "item_id": item_id, "token": token, "weight": weight}
        for kind, item_id, fields in documents
        for token, weight in document_terms(fields).items()
        if len(token) <= 32
    ]
    for start in range(0, len(rows), 5000):
        session.execute(insert(SearchTerm), rows[start : start + 5000])


def expand(query):
    text = normalize(query)[:MAX_QUERY]
    extra = [official for word, forms in SYNONYMS.items() if word in text for official in forms]
    return text, extra


def search(session, query, limit=20):
    """[(item_type, item_id, score)], best first."""
    text, extra = expand(query)
    wanted = Counter(tokens(text))
    if not wanted:
        wanted = _single_chars(text)
    synonym_tokens = Counter()
    for form in extra:
        synonym_tokens.update(tokens(form))
    all_tokens = list({*wanted, *synonym_tokens})[:40]
    if not all_tokens:
        return []
    # how many documents there are, for idf: the tables' own counts (counting distinct index rows scans the index)
    total = sum(session.scalar(select(func.count()).select_from(m)) for m in (ServiceType, Department, Window, News))
    total = max(total, 1)
    df = Counter(
        dict(
            session.execute(
                select(SearchTerm.token, func.count())
                .where(SearchTerm.token.in_(all_tokens))
                .group_by(SearchTerm.token)
            ).all()
        )
    )
    # a pair found in many documents says little where it is only mentioned (身份证 in every list of materials):
    # for those, only the documents that carry it in a name, keyword or summary are read
    common = [t for t in all_tokens if df[t] > COMMON]
    columns = (SearchTerm.item_type, SearchTerm.item_id, SearchTerm.token, SearchTerm.weight)
    postings = session.execute(
        select(*columns).where(
            SearchTerm.token.in_([t for t in all_tokens if t not in common])
            | (SearchTerm.token.in_(common) & (SearchTerm.weight >= WEIGHTS["summary"]))
        )
    ).all()
    scores, matched = defaultdict(float), defaultdict(set)
    for p in postings:
        idf = math.log(1 + total / df[p.token])
        query_weight = 1.0 if p.token in wanted else 0.6
        scores[(p.item_type, p.item_id)] += p.weight * idf * query_weight
        if p.token in wanted:
            matched[(p.item_type, p.item_id)].add(p.token)
    ranked = []
    for key, score in scores.items():
        coverage = len(matched[key]) / len(wanted) if wanted else 0
        ranked.append((key[0], key[1], score * (0.25 + coverage**2)))
    ranked.sort(key=lambda r: (-r[2], r[0], r[1]))
    return _exact_first(session, text, ranked[: max(limit, 50)])[:limit]


def _exact_first(session, text, ranked):
    """What was typed, found whole in a name or a keyword (or a keyword found whole in what was typed: 办营业执照
    holds 营业执照), comes before what merely shares its pieces."""
    names = _names(session, ranked)

    def whole(r):
        return any(text in n or (len(n) >= 2 and n in text) for n in names.get((r[0], r[1]), ()))

    exact = [r for r in ranked if text and whole(r)]
    return exact + [r for r in ranked if r not in exact]


def _names(session, ranked):
    wanted = defaultdict(list)
    for kind, item_id, _ in ranked:
        wanted[kind].append(item_id)
    names = {}
    if wanted["service"]:
        for s in session.scalars(select(ServiceType).where(ServiceType.id.in_(wanted["service"]))):
            names[("service", s.id)] = [normalize(s.name), *(normalize(k) for k in s.keywords)]
    if wanted["department"]:
        for d in session.scalars(select(Department).where(Department.id.in_(wanted["department"]))):
            names[("department", d.id)] = [normalize(d.name)]
    if wanted["news"]:
        for n in session.scalars(select(News).where(News.id.in_(wanted["news"]))):
            names[("news", n.id)] = [normalize(n.title)]
    if wanted["window"]:
        for w in session.scalars(select(Window).where(Window.id.in_(wanted["window"]))):
            names[("window", w.id)] = [normalize(w.name)]
    return names

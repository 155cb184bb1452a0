/*-------------------------------------------------------------------------
 *
 * patterns.c
 *		The query-pattern detector: the seed's query anti-patterns, found in
 *		the stream of sampled executions the capture (workload.c) feeds it.
 *
 * A client is what sends one application's statements: one database, login
 * role, client address and application_name, over however many pooled
 * connections.  Each client has a stream in shared memory: its statements
 * in the order they end, whichever connection ran them, so that a request
 * whose queries an ORM spreads over its pool is seen as one sequence, and
 * clients that interleave are kept apart.
 *
 *  n_plus_one   a run of at least pg_conventions.n_plus_one_threshold
 *               consecutive executions of one statement shape in a
 *               client's stream, each with distinct values, right after a
 *               statement of another shape that returned at least as many
 *               rows as the run has distinct values (each iteration takes
 *               one of them), none more than a second after the one before.
 *               One eager-loading join or one batched = ANY($1) lookup is
 *               one execution: never a run.
 *  deep_offset  an execution whose OFFSET skipped at least
 *               pg_conventions.deep_offset_rows rows.
 *  count_for_pagination
 *               a plain count() of a table next to (just before or after,
 *               in the same client's stream) a LIMIT query on that table:
 *               findAndCountAll() counting the whole table for every page.
 *               Whether the table is large is judged when reported.
 *
 * Findings are kept per pattern, client and statement shape in a table of
 * fixed size; the least recently seen makes room.  A run still open when
 * the findings are read is judged then.  All of it is under one LWLock,
 * taken once per sampled execution.
 *
 *-------------------------------------------------------------------------
 */
#include "pg_conventions.h"

#include "storage/lwlock.h"
#include "utils/guc.h"
#include "storage/shmem.h"
#include "utils/hsearch.h"
#include "utils/timestamp.h"

#define PAT_CLIENTS		128		/* clients followed at once */
#define PAT_FINDINGS	256		/* findings kept */
#define PAT_VALUES		64		/* distinct value sets counted per run */
#define PAT_PIDS		8		/* connections counted per run */
#define PAT_ADDR_BYTES	64
#define PAT_GAP_US		((int64) 1000000)	/* a run's executions follow within it */

int			conv_n_plus_one_threshold = 5;
int			conv_deep_offset_rows = 1000;

/* Called from conv_workload_init: the detector's settings. */
void
conv_patterns_init(void)
{
	DefineCustomIntVariable("pg_conventions.n_plus_one_threshold",
							"Executions in a row, with distinct values, that make an N+1 query.",
							"A run of that many executions of one statement from one client, "
							"right after a statement that returned at least as many rows.  "
							"The backend that ends a run judges it with its own setting.",
							&conv_n_plus_one_threshold,
							5, 2, 100000,
							PGC_SUSET, 0,
							NULL, NULL, NULL);
	DefineCustomIntVariable("pg_conventions.deep_offset_rows",
							"Rows an OFFSET skips that make a deep_offset finding.",
							NULL,
							&conv_deep_offset_rows,
							1000, 1, INT_MAX,
							PGC_SUSET, 0,
							NULL, NULL, NULL);
}

/* One statement of a client's stream, as remembered. */
typedef struct PatStmt
{
	uint64		shape;			/* 0: none */
	Oid			relid;
	int64		rows;
	bool		limited;
	bool		counts;
	int64		offset;
	int64		limit;
	TimestampTz end;
} PatStmt;

typedef struct ClientStream
{
	uint64		key;			/* hash key: the client */
	Oid			dbid;
	char		application[NAMEDATALEN];
	char		address[PAT_ADDR_BYTES];
	PatStmt		last;			/* the last statement: the run's last execution */
	PatStmt		source;			/* the statement before the run */
	TimestampTz run_first;		/* when the run's first execution ended */
	Oid			run_userid;
	int64		run_count;
	int64		run_rows;
	double		run_time_ms;
	int			ndistinct;
	uint64		values[PAT_VALUES];
	int			npids;
	int			pids[PAT_PIDS];
	int			len;
	char		text[CONV_TEXT_BYTES];	/* the run's shape, normalized */
} ClientStream;

typedef struct FindingKey
{
	int			pattern;
	Oid			dbid;
	Oid			userid;
	uint64		client;
	uint64		shape;
} FindingKey;

typedef struct FindingEntry
{
	FindingKey	key;
	char		application[NAMEDATALEN];
	char		address[PAT_ADDR_BYTES];
	Oid			relid;
	int64		occurrences;
	int64		executions;
	int64		rows;
	double		time_ms;
	int64		longest;
	int64		distinct_values;
	int			connections;
	Oid			source_relid;
	int64		source_rows;
	int64		max_offset;
	int64		limit;
	TimestampTz last_seen;
	int			len;
	char		text[CONV_TEXT_BYTES];
} FindingEntry;

typedef struct PatShared
{
	LWLock	   *lock;
} PatShared;

static PatShared *pat_shared = NULL;
static HTAB *pat_clients = NULL;
static HTAB *pat_findings = NULL;

Size
conv_patterns_shmem_size(void)
{
	return add_size(MAXALIGN(sizeof(PatShared)),
					add_size(hash_estimate_size(PAT_CLIENTS, sizeof(ClientStream)),
							 hash_estimate_size(PAT_FINDINGS, sizeof(FindingEntry))));
}

/* Called with AddinShmemInitLock held. */
void
conv_patterns_shmem_startup(struct LWLock *lock)
{
	bool		found;
	HASHCTL		info;

	pat_shared = ShmemInitStruct("pg_conventions query patterns", sizeof(PatShared), &found);
	if (!found)
		pat_shared->lock = lock;
	memset(&info, 0, sizeof(info));
	info.keysize = sizeof(uint64);
	info.entrysize = sizeof(ClientStream);
	pat_clients = CONV_SHMEM_INIT_HASH("pg_conventions query pattern clients",
									   PAT_CLIENTS, &info, HASH_ELEM | HASH_BLOBS);
	memset(&info, 0, sizeof(info));
	info.keysize = sizeof(FindingKey);
	info.entrysize = sizeof(FindingEntry);
	pat_findings = CONV_SHMEM_INIT_HASH("pg_conventions query pattern findings",
										PAT_FINDINGS, &info, HASH_ELEM | HASH_BLOBS);
}

/* The finding of that key, made (the least recently seen making room) if new. */
static FindingEntry *
finding(ConvPattern pattern, Oid dbid, Oid userid, uint64 client, uint64 shape,
		const char *application, const char *address, const char *text, int len)
{
	FindingKey	key;
	FindingEntry *f;
	bool		found;

	memset(&key, 0, sizeof(key));
	key.pattern = pattern;
	key.dbid = dbid;
	key.userid = userid;
	key.client = client;
	key.shape = shape;
	f = hash_search(pat_findings, &key, HASH_FIND, NULL);
	if (f)
		return f;
	if (hash_get_num_entries(pat_findings) >= PAT_FINDINGS)
	{
		HASH_SEQ_STATUS seq;
		FindingEntry *e;
		FindingEntry *oldest = NULL;

		hash_seq_init(&seq, pat_findings);
		while ((e = hash_seq_search(&seq)) != NULL)
			if (oldest == NULL || e->last_seen < oldest->last_seen)
				oldest = e;
		if (oldest)
			hash_search(pat_findings, &oldest->key, HASH_REMOVE, NULL);
	}
	f = hash_search(pat_findings, &key, HASH_ENTER_NULL, &found);
	if (f == NULL)
		return NULL;
	memset((char *) f + sizeof(FindingKey), 0, offsetof(FindingEntry, text) - sizeof(FindingKey));
	strlcpy(f->application, application, NAMEDATALEN);
	strlcpy(f->address, address, PAT_ADDR_BYTES);
	f->limit = -1;
	len = Min(len, CONV_TEXT_BYTES - 1);
	memcpy(f->text, text, len);
	f->text[len] = '\0';
	f->len = len;
	return f;
}

/* Is the client's open run an N+1 (with the threshold of this backend)? */
static bool
run_is_n_plus_one(const ClientStream *c)
{
	return c->run_count >= conv_n_plus_one_threshold &&
		c->ndistinct >= conv_n_plus_one_threshold &&
		c->source.shape != 0 && c->source.shape != c->last.shape &&
		c->source.rows >= c->ndistinct &&
		c->run_first - c->source.end <= PAT_GAP_US;
}

/* Add the client's open run to its n_plus_one finding. */
static void
add_run(FindingEntry *f, const ClientStream *c)
{
	f->relid = c->last.relid;
	f->occurrences++;
	f->executions += c->run_count;
	f->rows += c->run_rows;
	f->time_ms += c->run_time_ms;
	if (c->run_count >= f->longest)
	{
		f->longest = c->run_count;
		f->distinct_values = c->ndistinct;
		f->connections = c->npids;
		f->source_relid = c->source.relid;
		f->source_rows = c->source.rows;
	}
	f->last_seen = Max(f->last_seen, c->last.end);
}

/* The client's run ends: an N+1 is recorded. */
static void
close_run(ClientStream *c)
{
	FindingEntry *f;

	if (c->run_count == 0 || !run_is_n_plus_one(c))
		return;
	f = finding(CONV_PATTERN_N_PLUS_ONE, c->dbid, c->run_userid, c->key, c->last.shape,
				c->application, c->address, c->text, c->len);
	if (f)
		add_run(f, c);
}

static ClientStream *
client_stream(const ConvExecution *e)
{
	ClientStream *c;
	bool		found;

	c = hash_search(pat_clients, &e->client, HASH_FIND, NULL);
	if (c)
		return c;
	if (hash_get_num_entries(pat_clients) >= PAT_CLIENTS)
	{
		HASH_SEQ_STATUS seq;
		ClientStream *s;
		ClientStream *oldest = NULL;

		hash_seq_init(&seq, pat_clients);
		while ((s = hash_seq_search(&seq)) != NULL)
			if (oldest == NULL || s->last.end < oldest->last.end)
				oldest = s;
		if (oldest)
		{
			close_run(oldest);
			hash_search(pat_clients, &oldest->key, HASH_REMOVE, NULL);
		}
	}
	c = hash_search(pat_clients, &e->client, HASH_ENTER_NULL, &found);
	if (c == NULL)
		return NULL;
	memset((char *) c + sizeof(uint64), 0, offsetof(ClientStream, text) - sizeof(uint64));
	c->dbid = e->dbid;
	strlcpy(c->application, e->application, NAMEDATALEN);
	strlcpy(c->address, e->address, PAT_ADDR_BYTES);
	return c;
}

static void
remember(PatStmt *s, const ConvExecution *e)
{
	s->shape = e->shape;
	s->relid = e->relid;
	s->rows = e->rows;
	s->limited = e->limited;
	s->counts = e->counts;
	s->offset = e->offset;
	s->limit = e->limit;
	s->end = e->end;
}

/* Execution e continues the client's run. */
static void
extend_run(ClientStream *c, const ConvExecution *e)
{
	int			i;

	c->run_count++;
	c->run_rows += e->rows;
	c->run_time_ms += e->time_ms;
	for (i = 0; i < c->ndistinct; i++)
		if (c->values[i] == e->values)
			break;
	if (i == c->ndistinct && c->ndistinct < PAT_VALUES)
		c->values[c->ndistinct++] = e->values;
	for (i = 0; i < c->npids; i++)
		if (c->pids[i] == e->pid)
			break;
	if (i == c->npids && c->npids < PAT_PIDS)
		c->pids[c->npids++] = e->pid;
}

/* Execution e starts a run of its shape: the statement before is its source. */
static void
start_run(ClientStream *c, const ConvExecution *e)
{
	int			len = e->text ? Min((int) strlen(e->text), CONV_TEXT_BYTES - 1) : 0;

	close_run(c);
	c->source = c->run_count > 0 ? c->last : (PatStmt) {0};
	c->run_first = e->end;
	c->run_userid = e->userid;
	c->run_count = 0;
	c->run_rows = 0;
	c->run_time_ms = 0;
	c->ndistinct = 0;
	c->npids = 0;
	if (len > 0)
		memcpy(c->text, e->text, len);
	c->text[len] = '\0';
	c->len = len;
	extend_run(c, e);
}

/*
 * A count() of a table right next to a LIMIT query on it.  `count` is the
 * counting statement (text: its normalized shape), `page` the other.
 */
static void
pair(const ClientStream *c, Oid userid, uint64 shape, const PatStmt *page,
	 double time_ms, const char *text, int len)
{
	FindingEntry *f;

	f = finding(CONV_PATTERN_COUNT_FOR_PAGINATION, c->dbid, userid, c->key, shape,
				c->application, c->address, text, len);
	if (f == NULL)
		return;
	f->relid = page->relid;
	f->occurrences++;
	f->executions++;
	f->rows++;
	f->time_ms += time_ms;
	if (page->offset >= f->max_offset)
	{
		f->max_offset = page->offset;
		f->limit = page->limit;
	}
	f->last_seen = Max(f->last_seen, page->end);
}

static void
detect_pairs(ClientStream *c, const ConvExecution *e)
{
	const PatStmt *prev = &c->last;

	if (c->run_count == 0 || prev->relid != e->relid || !OidIsValid(e->relid) ||
		e->end - prev->end > PAT_GAP_US)
		return;
	if (prev->counts && e->limited && !e->counts)
	{
		PatStmt		page;

		remember(&page, e);
		/* the count is the run's statement: its text is the run's */
		pair(c, c->run_userid, prev->shape, &page, c->run_time_ms / c->run_count,
			 c->text, c->len);
	}
	else if (e->counts && prev->limited && !prev->counts && e->text)
		pair(c, e->userid, e->shape, prev, e->time_ms, e->text, strlen(e->text));
}

static void
detect_offset(const ConvExecution *e)
{
	FindingEntry *f;

	if (!e->limited || e->offset < conv_deep_offset_rows || e->text == NULL)
		return;
	f = finding(CONV_PATTERN_DEEP_OFFSET, e->dbid, e->userid, e->client, e->shape,
				e->application, e->address, e->text, strlen(e->text));
	if (f == NULL)
		return;
	f->relid = e->relid;
	f->occurrences++;
	f->executions++;
	f->rows += e->rows;
	f->time_ms += e->time_ms;
	if (e->offset >= f->max_offset)
	{
		f->max_offset = e->offset;
		f->limit = e->limit;
	}
	f->last_seen = Max(f->last_seen, e->end);
}

/* One sampled execution into its client's stream. */
void
conv_patterns_record(const ConvExecution *e)
{
	ClientStream *c;

	if (pat_shared == NULL)
		return;
	LWLockAcquire(pat_shared->lock, LW_EXCLUSIVE);
	detect_offset(e);
	c = client_stream(e);
	if (c)
	{
		detect_pairs(c, e);
		if (c->run_count > 0 && c->last.shape == e->shape &&
			e->end - c->last.end <= PAT_GAP_US)
			extend_run(c, e);
		else
			start_run(c, e);
		remember(&c->last, e);
	}
	LWLockRelease(pat_shared->lock);
}

static ConvFinding *
copy_finding(const FindingEntry *f)
{
	ConvFinding *r = palloc0(sizeof(ConvFinding));

	r->pattern = f->key.pattern;
	r->dbid = f->key.dbid;
	r->userid = f->key.userid;
	r->application = pstrdup(f->application);
	r->address = pstrdup(f->address);
	r->query = pstrdup(f->text);
	r->relid = f->relid;
	r->occurrences = f->occurrences;
	r->executions = f->executions;
	r->rows = f->rows;
	r->time_ms = f->time_ms;
	r->longest = f->longest;
	r->distinct_values = f->distinct_values;
	r->connections = f->connections;
	r->source_relid = f->source_relid;
	r->source_rows = f->source_rows;
	r->max_offset = f->max_offset;
	r->limit = f->limit;
	r->last_seen = f->last_seen;
	return r;
}

/*
 * Copies of the findings of one database whose role may_see allows, with
 * the runs still open that are N+1 judged now.
 */
List *
conv_patterns_findings(Oid dbid, bool (*may_see) (Oid userid))
{
	List	   *result = NIL;
	HASH_SEQ_STATUS seq;
	FindingEntry *f;
	ClientStream *c;
	HTAB	   *open;
	HASHCTL		info;

	if (pat_shared == NULL)
		return NIL;
	/* the open runs, as findings of their own, to merge */
	memset(&info, 0, sizeof(info));
	info.keysize = sizeof(FindingKey);
	info.entrysize = sizeof(FindingEntry);
	info.hcxt = CurrentMemoryContext;
	open = hash_create("pg_conventions open runs", 16, &info,
					   HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);

	LWLockAcquire(pat_shared->lock, LW_SHARED);
	hash_seq_init(&seq, pat_findings);
	while ((f = hash_seq_search(&seq)) != NULL)
	{
		FindingEntry *o;

		if (f->key.dbid != dbid || !may_see(f->key.userid))
			continue;
		o = hash_search(open, &f->key, HASH_ENTER, NULL);
		memcpy(o, f, sizeof(FindingEntry));
	}
	hash_seq_init(&seq, pat_clients);
	while ((c = hash_seq_search(&seq)) != NULL)
	{
		FindingKey	key;
		FindingEntry *o;
		bool		found;

		if (c->dbid != dbid || c->run_count == 0 || !may_see(c->run_userid) ||
			!run_is_n_plus_one(c))
			continue;
		memset(&key, 0, sizeof(key));
		key.pattern = CONV_PATTERN_N_PLUS_ONE;
		key.dbid = c->dbid;
		key.userid = c->run_userid;
		key.client = c->key;
		key.shape = c->last.shape;
		o = hash_search(open, &key, HASH_ENTER, &found);
		if (!found)
		{
			memset((char *) o + sizeof(FindingKey), 0, sizeof(FindingEntry) - sizeof(FindingKey));
			strlcpy(o->application, c->application, NAMEDATALEN);
			strlcpy(o->address, c->address, PAT_ADDR_BYTES);
			memcpy(o->text, c->text, c->len + 1);
			o->len = c->len;
			o->limit = -1;
		}
		add_run(o, c);
	}
	LWLockRelease(pat_shared->lock);

	hash_seq_init(&seq, open);
	while ((f = hash_seq_search(&seq)) != NULL)
		result = lappend(result, copy_finding(f));
	hash_destroy(open);
	return result;
}

/* Forget every client's stream and every finding. */
void
conv_patterns_reset(void)
{
	HASH_SEQ_STATUS seq;
	void	   *e;

	if (pat_shared == NULL)
		return;
	LWLockAcquire(pat_shared->lock, LW_EXCLUSIVE);
	hash_seq_init(&seq, pat_findings);
	while ((e = hash_seq_search(&seq)) != NULL)
		hash_search(pat_findings, e, HASH_REMOVE, NULL);
	hash_seq_init(&seq, pat_clients);
	while ((e = hash_seq_search(&seq)) != NULL)
		hash_search(pat_clients, e, HASH_REMOVE, NULL);
	LWLockRelease(pat_shared->lock);
}

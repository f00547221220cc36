/*
** bm25_df(): FTS5's bm25(), except that the caller may supply each phrase's
** document frequency. bm25() learns those by scanning every phrase's whole
** doclist once per query (xQueryPhrase), which at a million papers costs more
** than the query itself: a common word has 400k postings, and a same-stem
** expansion asks for dozens of words. The engine already has the counts from
** the fts5vocab scan that found the variants, so it passes them in.
**
**   bm25_df(tbl, w0, w1, ..., wN-1, df)
**
** w0..wN-1 are the column weights (as for bm25(), one per column); df is a
** blob of one little-endian double per phrase, in the order the phrases occur
** in the MATCH expression; a negative value means "not known, count it" (as
** bm25() does). The score is computed with the same operations in the same
** order as bm25() (k1 = 1.2, b = 0.75), so both give identical doubles.
**
**   bm25_df(tbl, w0, ..., wN-1, df, tiers)
**
** One pass for "the exact words first, then papers with only same-stem
** variants". The MATCH expression is an AND of groups, each an OR of a
** word and its variants. tiers is a blob of one little-endian int32 per
** phrase: -1 for a phrase outside any group (always matched), 2g for the
** word of group g, 2g+1 for a variant in group g. A group may have several
** typed phrases (a compound's spellings, "multiscale" OR "multi scale"). A
** row that holds a typed phrase of every group is an exact match: it gets
** the score the words alone would
** give (the same doubles as bm25_df over the exact expression), negated as
** bm25() is. Any other row gets its score over all phrases with the sign
** flipped, so callers tell the two apart by sign and sort exact rows first.
**
**   bm25_df(tbl, w0, ..., wN-1, df, groups, vw)
**
** A word and its inflections scored as ONE term (search/plan.ts). groups
** is coded as tiers are: 2g for the typed word of group g, 2g+1 for an
** inflection of it, -1 for a phrase of its own. A group's frequency is the
** typed word's plus vw times each inflection's (column weights applied as
** for any phrase); it is saturated once, with the IDF of the df given for
** the typed word's phrase, which the caller sets to the group's document
** frequency. Every matching row gets a score, negated as bm25() does.
**
** Document lengths. Every mode needs each matching row's length, which
** xColumnSize reads from the %_docsize table: one b-tree seek per row, about
** four fifths of the cost of scoring a common word (110 of 124 ms for a word
** in 285,000 of a million papers). Each connection keeps the lengths it has
** read in an array indexed by rowid, valid while the FTS5 table's structure
** record (row 10 of its %_data table, rewritten by every committed change to
** the index; set the table with bm25_watch(name)) is the one it was filled
** under; writes to other tables (caches, crawl state) keep it. When the
** record changed, a connection that keeps every length and knows the content
** table's change mark (bm25_changes) re-reads only the rows whose mark rose
** (a crawl writes a few papers at a time) and keeps the rest if the index's
** averages record (row 1: row count, tokens per column) then agrees with the
** kept lengths' count and sum; otherwise, and with no mark, the array is
** emptied. Without a watched table the file's data
** version (SQLITE_FCNTL_DATA_VERSION: any write at all) plays that part.
** Inside an open transaction nothing is kept (the connection may hold index
** changes not yet in the record). A length is an integer either way, so
** scores are the same doubles, kept or not; the first query after the index
** changes pays what every query paid without the array.
**
**   bm25_watch(table [, fillAfter]), bm25_changes(content, mark),
**   bm25_prime(), bm25_kept()
**
** Which FTS5 table's structure record marks a change to the kept document
** lengths (above), which column of its content table marks a written row,
** reading every length ahead of the queries, and how many lengths the
** connection keeps (for tests).
**
**   bm25_top(rowid, score, k)
**
** An aggregate: how many rows it saw and the k best of them, by score
** (higher first), then rowid (lower first), the order of SQL's
** ORDER BY score DESC, rowid. It keeps a heap of k entries instead of SQL's
** sorter, which for a deep page (k = 10,000 over 140,000 matches) inserted
** some k*ln(matches/k) rows into a b-tree at about 1.4 us each. The result
** is a blob: the count as a little-endian int64, then per row its rowid
** (int64) and score (double), best first. A NULL score ranks below every
** number, as in SQL.
**
** Built and loaded by search/fts5-rank.ts; the engine falls back to bm25()
** when it cannot be.
*/
#include "sqlite3ext.h"
SQLITE_EXTENSION_INIT1
#include <math.h>
#include <string.h>

/* Rowids from 0 to this are cached (about 128 MB of lengths at most); beyond, asked each time. */
#define SIZE_CACHE_MAX_ROWID 67108864
/* A cached length is stored plus one (0: not read yet); lengths from 65534 on are asked each time. */
#define SIZE_CACHE_TOO_LONG 65535
/* Rowids read in one go from %_docsize when a query misses densely (see docLength). */
#define SIZE_FILL_ROWS 65536
/* Misses in a query before reading ranges (bm25_watch's second argument changes it, for tests). */
#define SIZE_FILL_AFTER 4096
/* Content rows written since the lengths were read that are re-read one by one; more, and all are read again. */
#define SIZE_CATCH_UP_MAX 4096

typedef struct SizeCache {
  unsigned int version;   /* the data version the lengths were read under (no watched table) */
  char *zStruct;          /* SELECT of the watched table's structure record, or 0 */
  unsigned char *aStruct; /* the record the lengths were read under */
  int nStruct;
  char *zSizes;           /* SELECT of the watched table's lengths by rowid range, or 0 */
  char *zLast;            /* SELECT of the watched table's largest rowid */
  char *zTotals;          /* SELECT of the watched table's averages record (row count, tokens per column) */
  char *zChanged;         /* SELECT of the content rows written after a mark (bm25_changes), or 0 */
  char *zMark;            /* SELECT of the content table's highest mark */
  int bFull;              /* every row's length is kept (bm25_prime) */
  int bExact;             /* bFull, every length fits, and nRows/nTokens are their count and sum: a catch-up may be tried */
  sqlite3_int64 iMark;    /* with bExact: the content's mark the lengths account for */
  sqlite3_int64 nRows;    /* with bExact: how many lengths are kept */
  sqlite3_int64 nTokens;  /* with bExact: their sum */
  sqlite3_int64 nFillRows;   /* rows sizeCacheFill read since reset, */
  sqlite3_int64 nFillTokens; /* their summed lengths, */
  sqlite3_int64 nFillLost;   /* and how many of them it could not keep */
  int nFillAfter;         /* misses in a query before ranges are read */
  int bUsable;            /* 0 when staleness cannot be told: nothing kept */
  sqlite3 *db;            /* the connection, as of the current query */
  sqlite3_int64 nSeen;    /* rows the current query asked about, from rowid iFirst */
  sqlite3_int64 iFirst;
  sqlite3_int64 nMiss;    /* of those, how many were not kept */
  sqlite3_int64 iFilledTo; /* the current query read ranges up to here */
  sqlite3_int64 nAlloc;   /* entries in a[] */
  unsigned short *a;      /* length + 1 by rowid, 0 when not read yet */
} SizeCache;

static void sizeCacheFree(void *p){
  SizeCache *c = (SizeCache*)p;
  if( c ){
    sqlite3_free(c->a); sqlite3_free(c->zStruct); sqlite3_free(c->zSizes); sqlite3_free(c->zLast);
    sqlite3_free(c->zTotals); sqlite3_free(c->zChanged); sqlite3_free(c->zMark); sqlite3_free(c->aStruct); sqlite3_free(c);
  }
}

/* Makes a[] hold rowids up to iRow; 0 when there is no room. */
static int sizeCacheGrow(SizeCache *c, sqlite3_int64 iRow){
  sqlite3_int64 n;
  unsigned short *a;
  if( iRow<c->nAlloc ) return 1;
  n = c->nAlloc ? c->nAlloc : 65536;
  while( n<=iRow ) n *= 2;
  if( n>SIZE_CACHE_MAX_ROWID+1 ) n = SIZE_CACHE_MAX_ROWID+1;
  a = (unsigned short*)sqlite3_realloc64(c->a, (sqlite3_uint64)n * sizeof(unsigned short));
  if( a==0 ) return 0;
  memset(&a[c->nAlloc], 0, (size_t)(n - c->nAlloc) * sizeof(unsigned short));
  c->a = a;
  c->nAlloc = n;
  return 1;
}

/* A varint as SQLite writes them (%_docsize holds one per column); 0 when it runs past the end. */
static int readVarint(const unsigned char *p, const unsigned char *pEnd, sqlite3_uint64 *pv){
  sqlite3_uint64 x = 0;
  int i;
  for(i=0; i<8 && p+i<pEnd; i++){
    x = (x<<7) | (p[i] & 0x7f);
    if( (p[i] & 0x80)==0 ){ *pv = x; return i+1; }
  }
  if( i==8 && p+8<pEnd ){ *pv = (x<<8) | p[8]; return 9; }
  return 0;
}

/* The sum of the varints from p to pEnd (a %_docsize row: its columns' lengths); 0 when p is 0 or the last runs past pEnd. */
static int sumVarints(const unsigned char *p, const unsigned char *pEnd, sqlite3_uint64 *pSum){
  sqlite3_uint64 sum = 0, v;
  int k;
  if( p==0 ) return 0;
  while( p<pEnd ){
    k = readVarint(p, pEnd, &v);
    if( k==0 ) return 0;
    sum += v;
    p += k;
  }
  *pSum = sum;
  return 1;
}

/*
** Keeps the lengths of rowids [iFrom, iTo) in one range scan of %_docsize:
** a query that misses densely (a common word) reads its rows' lengths
** sequentially instead of seeking each (a range scan costs about as much
** as seeking a seventh of its rows).
*/
static void sizeCacheFill(SizeCache *c, sqlite3_int64 iFrom, sqlite3_int64 iTo){
  sqlite3_stmt *pStmt = 0;
  if( iTo>SIZE_CACHE_MAX_ROWID+1 ) iTo = SIZE_CACHE_MAX_ROWID+1;
  if( iFrom>=iTo || !sizeCacheGrow(c, iTo-1) ) return;
  /* Prepared per range, not kept: a kept statement would hold the connection open at close. */
  if( sqlite3_prepare_v2(c->db, c->zSizes, -1, &pStmt, 0)!=SQLITE_OK ){ sqlite3_finalize(pStmt); return; }
  sqlite3_bind_int64(pStmt, 1, iFrom);
  sqlite3_bind_int64(pStmt, 2, iTo);
  while( sqlite3_step(pStmt)==SQLITE_ROW ){
    sqlite3_int64 id = sqlite3_column_int64(pStmt, 0);
    const unsigned char *p = (const unsigned char*)sqlite3_column_blob(pStmt, 1);
    sqlite3_uint64 sum = 0;
    if( !sumVarints(p, p + sqlite3_column_bytes(pStmt, 1), &sum) || id<iFrom || id>=iTo ) continue;
    c->nFillRows++;
    c->nFillTokens += (sqlite3_int64)sum;
    if( sum<SIZE_CACHE_TOO_LONG-1 ) c->a[id] = (unsigned short)(sum + 1);
    else c->nFillLost++;
  }
  sqlite3_finalize(pStmt);
}

static void sizeCacheClear(SizeCache *c){
  if( c->a ) memset(c->a, 0, (size_t)c->nAlloc * sizeof(unsigned short));
  c->bFull = 0;
  c->bExact = 0;
}

/* One integer from a statement without parameters; 0 when it gives none (or NULL). */
static int selectInt64(sqlite3 *db, const char *zSql, sqlite3_int64 *pv){
  sqlite3_stmt *pStmt = 0;
  int ok = 0;
  if( zSql && sqlite3_prepare_v2(db, zSql, -1, &pStmt, 0)==SQLITE_OK && sqlite3_step(pStmt)==SQLITE_ROW
   && sqlite3_column_type(pStmt, 0)!=SQLITE_NULL ){
    *pv = sqlite3_column_int64(pStmt, 0);
    ok = 1;
  }
  sqlite3_finalize(pStmt);
  return ok;
}

/* The watched table's row count and token total, from its averages record; 0 when it cannot be read. */
static int readTotals(SizeCache *c, sqlite3_int64 *pnRow, sqlite3_int64 *pnToken){
  sqlite3_stmt *pStmt = 0;
  int ok = 0;
  if( sqlite3_prepare_v2(c->db, c->zTotals, -1, &pStmt, 0)==SQLITE_OK && sqlite3_step(pStmt)==SQLITE_ROW ){
    const unsigned char *p = (const unsigned char*)sqlite3_column_blob(pStmt, 0);
    const unsigned char *pEnd = p + sqlite3_column_bytes(pStmt, 0);
    sqlite3_uint64 nRow, sum;
    int k = p ? readVarint(p, pEnd, &nRow) : 0;
    if( k && sumVarints(p + k, pEnd, &sum) ){
      *pnRow = (sqlite3_int64)nRow;
      *pnToken = (sqlite3_int64)sum;
      ok = 1;
    }
  }
  sqlite3_finalize(pStmt);
  return ok;
}

/*
** After the index changed: re-reads the lengths of the content rows written
** since the kept mark (every write raises a row's mark, bm25_changes) and
** keeps the rest; 1 when that accounts for the index as it now is (the
** averages record's row count and token total equal the kept lengths'),
** 0 when the caller must drop them all (too many changes, a write that did
** not raise its mark, a delete, a length that does not fit).
*/
static int sizeCacheCatchUp(SizeCache *c){
  sqlite3_stmt *pChanged = 0, *pSize = 0;
  sqlite3_int64 mark = 0, nRow = -1, nToken = -1, n = 0;
  int ok = c->bExact && c->zChanged && selectInt64(c->db, c->zMark, &mark)
    && sqlite3_prepare_v2(c->db, c->zChanged, -1, &pChanged, 0)==SQLITE_OK
    && sqlite3_prepare_v2(c->db, c->zSizes, -1, &pSize, 0)==SQLITE_OK;
  if( ok ){
    sqlite3_bind_int64(pChanged, 1, c->iMark);
    sqlite3_bind_int64(pChanged, 2, SIZE_CATCH_UP_MAX + 1);
  }
  while( ok && sqlite3_step(pChanged)==SQLITE_ROW ){
    sqlite3_int64 id = sqlite3_column_int64(pChanged, 0);
    unsigned short old;
    if( ++n>SIZE_CATCH_UP_MAX || id<0 || id>SIZE_CACHE_MAX_ROWID || !sizeCacheGrow(c, id) ){ ok = 0; break; }
    old = c->a[id];
    if( old ){ c->nRows--; c->nTokens -= old - 1; c->a[id] = 0; }
    sqlite3_bind_int64(pSize, 1, id);
    sqlite3_bind_int64(pSize, 2, id + 1);
    if( sqlite3_step(pSize)==SQLITE_ROW ){
      const unsigned char *p = (const unsigned char*)sqlite3_column_blob(pSize, 1);
      sqlite3_uint64 sum = 0;
      if( !sumVarints(p, p + sqlite3_column_bytes(pSize, 1), &sum) || sum>=SIZE_CACHE_TOO_LONG-1 ){ ok = 0; break; }
      c->a[id] = (unsigned short)(sum + 1);
      c->nRows++;
      c->nTokens += (sqlite3_int64)sum;
    }
    sqlite3_reset(pSize);
  }
  sqlite3_finalize(pChanged);
  sqlite3_finalize(pSize);
  ok = ok && readTotals(c, &nRow, &nToken) && nRow==c->nRows && nToken==c->nTokens;
  if( ok ) c->iMark = mark;
  return ok;
}

/* Whether the watched structure record differs from the kept one (and keeps it); -1 when it cannot be read. */
static int structureChanged(SizeCache *c, sqlite3 *db){
  sqlite3_stmt *pStmt = 0;
  int changed = -1;
  /* Prepared per query, not kept: a kept statement would hold the connection open at close. */
  if( sqlite3_prepare_v2(db, c->zStruct, -1, &pStmt, 0)==SQLITE_OK && sqlite3_step(pStmt)==SQLITE_ROW ){
    const unsigned char *a = (const unsigned char*)sqlite3_column_blob(pStmt, 0);
    int n = sqlite3_column_bytes(pStmt, 0);
    if( a && n>0 ){
      if( n==c->nStruct && memcmp(a, c->aStruct, (size_t)n)==0 ){
        changed = 0;
      }else{
        unsigned char *copy = (unsigned char*)sqlite3_malloc(n);
        if( copy ){
          memcpy(copy, a, (size_t)n);
          sqlite3_free(c->aStruct);
          c->aStruct = copy;
          c->nStruct = n;
          changed = 1;
        }
      }
    }
  }
  sqlite3_finalize(pStmt);
  return changed;
}

/* Called once per query: decides whether lengths may be kept, and empties them when the index changed. */
static void sizeCacheCheck(SizeCache *c, sqlite3 *db){
  unsigned int v = 0;
  if( c==0 ) return;
  c->bUsable = 0;
  c->db = db;
  c->nSeen = 0;
  c->nMiss = 0;
  c->iFilledTo = 0;
  if( !sqlite3_get_autocommit(db) ) return;
  if( c->zStruct ){
    int changed = structureChanged(c, db);
    if( changed<0 ) return;
    c->bUsable = 1;
    if( changed && !sizeCacheCatchUp(c) ) sizeCacheClear(c);
    return;
  }
  if( sqlite3_file_control(db, "main", SQLITE_FCNTL_DATA_VERSION, &v)!=SQLITE_OK ) return;
  if( v!=c->version ){
    sizeCacheClear(c);
    c->version = v;
  }
  c->bUsable = 1;
}

/* bm25_kept(): how many lengths this connection keeps (for tests). */
static void keptFunction(sqlite3_context *pCtx, int nArg, sqlite3_value **apArg){
  SizeCache *c = (SizeCache*)sqlite3_user_data(pCtx);
  sqlite3_int64 i, n = 0;
  (void)nArg; (void)apArg;
  for(i=0; i<c->nAlloc; i++) if( c->a[i] ) n++;
  sqlite3_result_int64(pCtx, n);
}

/* Puts a statement's text (from sqlite3_mprintf) in place of the one kept. */
static void replaceSql(char **pzKept, char *z){
  sqlite3_free(*pzKept);
  *pzKept = z;
}

/*
** bm25_watch(name [, fillAfter]): the FTS5 table whose structure record marks
** a change to the kept lengths, and whose %_docsize ranges are read.
*/
static void watchFunction(sqlite3_context *pCtx, int nArg, sqlite3_value **apArg){
  SizeCache *c = (SizeCache*)sqlite3_user_data(pCtx);
  const char *zTable = (const char*)sqlite3_value_text(apArg[0]);
  char *zSql, *zSizes, *zLast, *zTotals;
  if( zTable==0 ){ sqlite3_result_error(pCtx, "bm25_watch: a table name is needed", -1); return; }
  zSql = sqlite3_mprintf("SELECT block FROM \"%w_data\" WHERE id=10", zTable);
  zSizes = sqlite3_mprintf("SELECT id, sz FROM \"%w_docsize\" WHERE id>=?1 AND id<?2", zTable);
  zLast = sqlite3_mprintf("SELECT max(id) FROM \"%w_docsize\"", zTable);
  zTotals = sqlite3_mprintf("SELECT block FROM \"%w_data\" WHERE id=1", zTable);
  if( zSql==0 || zSizes==0 || zLast==0 || zTotals==0 ){
    sqlite3_free(zSql); sqlite3_free(zSizes); sqlite3_free(zLast); sqlite3_free(zTotals);
    sqlite3_result_error_nomem(pCtx);
    return;
  }
  replaceSql(&c->zTotals, zTotals);
  replaceSql(&c->zLast, zLast);
  replaceSql(&c->zStruct, zSql);
  replaceSql(&c->zSizes, zSizes);
  c->nFillAfter = nArg>1 ? sqlite3_value_int(apArg[1]) : SIZE_FILL_AFTER;
  sqlite3_free(c->aStruct);
  c->aStruct = 0;
  c->nStruct = 0;
  sizeCacheClear(c);
  sqlite3_result_int(pCtx, 1);
}

/*
** bm25_changes(content, markColumn): the watched table's content table and
** its change mark, a column every write raises above every row's (papers.seq).
** With it, a change to the index re-reads only the lengths of rows whose mark
** rose since they were read, when the index's own totals then agree.
*/
static void changesFunction(sqlite3_context *pCtx, int nArg, sqlite3_value **apArg){
  SizeCache *c = (SizeCache*)sqlite3_user_data(pCtx);
  const char *zContent = (const char*)sqlite3_value_text(apArg[0]);
  const char *zMark = (const char*)sqlite3_value_text(apArg[1]);
  char *zChanged, *zMax;
  (void)nArg;
  if( zContent==0 || zMark==0 ){ sqlite3_result_error(pCtx, "bm25_changes: a table and a column are needed", -1); return; }
  zChanged = sqlite3_mprintf("SELECT rowid FROM \"%w\" WHERE \"%w\">?1 LIMIT ?2", zContent, zMark);
  zMax = sqlite3_mprintf("SELECT max(\"%w\") FROM \"%w\"", zMark, zContent);
  if( zChanged==0 || zMax==0 ){
    sqlite3_free(zChanged); sqlite3_free(zMax);
    sqlite3_result_error_nomem(pCtx);
    return;
  }
  replaceSql(&c->zChanged, zChanged);
  replaceSql(&c->zMark, zMax);
  sizeCacheClear(c);
  sqlite3_result_int(pCtx, 1);
}

/*
** bm25_prime(): keeps every row's length of the watched table now, in one
** scan, unless that was done under the current index already; 1 when done,
** 0 when lengths cannot be kept (no watched table, inside a transaction). The engine calls it when idle, after the index changed, so
** that queries do not pay for reading lengths.
*/
static void primeFunction(sqlite3_context *pCtx, int nArg, sqlite3_value **apArg){
  SizeCache *c = (SizeCache*)sqlite3_user_data(pCtx);
  sqlite3_stmt *pStmt = 0;
  sqlite3_int64 last = -1;
  (void)nArg; (void)apArg;
  sizeCacheCheck(c, sqlite3_context_db_handle(pCtx));
  if( !c->bUsable || c->zLast==0 ){ sqlite3_result_int(pCtx, 0); return; }
  if( !c->bFull ){
    if( sqlite3_prepare_v2(c->db, c->zLast, -1, &pStmt, 0)==SQLITE_OK && sqlite3_step(pStmt)==SQLITE_ROW
     && sqlite3_column_type(pStmt, 0)!=SQLITE_NULL ){
      last = sqlite3_column_int64(pStmt, 0);
    }
    sqlite3_finalize(pStmt);
    c->nFillRows = c->nFillTokens = c->nFillLost = 0;
    /* The mark first, in the same read transaction: rows written later have higher marks. */
    c->bExact = c->zChanged && selectInt64(c->db, c->zMark, &c->iMark);
    if( last>=0 ) sizeCacheFill(c, 0, last+1);
    /* Done for this index, also where a length could not be kept (beyond the cap, no memory): those are read per query. */
    c->bFull = 1;
    if( c->bExact ){
      sqlite3_int64 nRow = -1, nToken = -1;
      c->nRows = c->nFillRows;
      c->nTokens = c->nFillTokens;
      c->bExact = c->nFillLost==0 && readTotals(c, &nRow, &nToken) && nRow==c->nRows && nToken==c->nTokens;
    }
  }
  sqlite3_result_int(pCtx, 1);
}

/* The current row's length in tokens over all columns, from the cache when it holds it. */
static int docLength(const Fts5ExtensionApi *pApi, Fts5Context *pFts, SizeCache *c, int *pnTok){
  sqlite3_int64 iRow = pApi->xRowid(pFts);
  int rc;
  if( c && c->bUsable && iRow>=0 && iRow<=SIZE_CACHE_MAX_ROWID ){
    if( c->nSeen++==0 ) c->iFirst = iRow;
    if( iRow<c->nAlloc && c->a[iRow]!=0 ){
      *pnTok = (int)c->a[iRow] - 1;
      return SQLITE_OK;
    }
    /* Rows come in rising rowid order: past nFillAfter misses, with matches
    ** at one in six rowids or denser, read the next range in one scan (at 1M
    ** papers, even with seeking at one in seven, faster from one in four). */
    if( c->zSizes && ++c->nMiss>c->nFillAfter && c->nSeen*6>=iRow-c->iFirst+1 && iRow>=c->iFilledTo ){
      c->iFilledTo = iRow + SIZE_FILL_ROWS;
      sizeCacheFill(c, iRow, c->iFilledTo);
      if( iRow<c->nAlloc && c->a[iRow]!=0 ){
        *pnTok = (int)c->a[iRow] - 1;
        return SQLITE_OK;
      }
    }
    rc = pApi->xColumnSize(pFts, -1, pnTok);
    if( rc!=SQLITE_OK || *pnTok<0 || *pnTok>=SIZE_CACHE_TOO_LONG-1 ) return rc;
    /* No room: the length is still right, just not kept. */
    if( sizeCacheGrow(c, iRow) ) c->a[iRow] = (unsigned short)(*pnTok + 1);
    return SQLITE_OK;
  }
  return pApi->xColumnSize(pFts, -1, pnTok);
}

typedef struct Bm25Data {
  int nPhrase;
  double avgdl;
  double *aIDF;
  double *aFreq;
  unsigned char *aGroup;   /* tiered: per group (< nPhrase), 1 if it has a typed phrase, 2 once one occurs in the row */
} Bm25Data;

static int countCb(const Fts5ExtensionApi *pApi, Fts5Context *pFts, void *pUserData){
  (void)pApi; (void)pFts;
  (*(sqlite3_int64*)pUserData)++;
  return SQLITE_OK;
}

static int bm25Data(const Fts5ExtensionApi *pApi, Fts5Context *pFts, sqlite3_context *pCtx, sqlite3_value *pDf, Bm25Data **pp){
  int rc = SQLITE_OK;
  Bm25Data *p = (Bm25Data*)pApi->xGetAuxdata(pFts, 0);
  if( p==0 ){
    sizeCacheCheck((SizeCache*)pApi->xUserData(pFts), sqlite3_context_db_handle(pCtx));
    int nPhrase = pApi->xPhraseCount(pFts);
    sqlite3_int64 nRow = 0, nToken = 0;
    const unsigned char *aDf = pDf ? (const unsigned char*)sqlite3_value_blob(pDf) : 0;
    int nDf = pDf ? sqlite3_value_bytes(pDf) / (int)sizeof(double) : 0;
    int i;
    p = (Bm25Data*)sqlite3_malloc64(sizeof(Bm25Data) + (sqlite3_int64)nPhrase*(2*sizeof(double) + 1));
    if( p==0 ) return SQLITE_NOMEM;
    memset(p, 0, sizeof(Bm25Data) + (size_t)nPhrase*(2*sizeof(double) + 1));
    p->nPhrase = nPhrase;
    p->aIDF = (double*)&p[1];
    p->aFreq = &p->aIDF[nPhrase];
    p->aGroup = (unsigned char*)&p->aFreq[nPhrase];
    rc = pApi->xRowCount(pFts, &nRow);
    if( rc==SQLITE_OK ) rc = pApi->xColumnTotalSize(pFts, -1, &nToken);
    if( rc==SQLITE_OK ) p->avgdl = (double)nToken / (double)nRow;
    for(i=0; rc==SQLITE_OK && i<nPhrase; i++){
      double df = -1.0;
      sqlite3_int64 nHit = 0;
      if( i<nDf ) memcpy(&df, &aDf[i*sizeof(double)], sizeof(double));
      if( df>=0.0 ){
        nHit = (sqlite3_int64)df;
      }else{
        rc = pApi->xQueryPhrase(pFts, i, (void*)&nHit, countCb);
      }
      if( rc==SQLITE_OK ){
        double idf = log( (nRow - nHit + 0.5) / (nHit + 0.5) );
        if( idf<=0.0 ) idf = 1e-6;
        p->aIDF[i] = idf;
      }
    }
    if( rc==SQLITE_OK ) rc = pApi->xSetAuxdata(pFts, p, sqlite3_free);
    else sqlite3_free(p);
    if( rc!=SQLITE_OK ) p = 0;
  }
  *pp = p;
  return rc;
}

static void bm25DfFunction(
  const Fts5ExtensionApi *pApi, Fts5Context *pFts, sqlite3_context *pCtx,
  int nVal, sqlite3_value **apVal
){
  const double k1 = 1.2;
  const double b = 0.75;
  int nCol = pApi->xColumnCount(pFts);
  sqlite3_value *pDf = nVal>nCol ? apVal[nCol] : 0;
  sqlite3_value *pTiers = nVal>nCol+1 ? apVal[nCol+1] : 0;
  int bGroups = nVal>nCol+2;
  double vw = bGroups ? sqlite3_value_double(apVal[nCol+2]) : 1.0;
  int nWeight = nVal>nCol ? nCol : nVal;
  double score = 0.0;
  double scoreExact = 0.0;
  int bExact = 1;
  double D = 0.0;
  Bm25Data *pData = 0;
  int nInst = 0;
  int i;
  int rc = bm25Data(pApi, pFts, pCtx, pDf, &pData);
  if( rc==SQLITE_OK ){
    memset(pData->aFreq, 0, sizeof(double) * pData->nPhrase);
    rc = pApi->xInstCount(pFts, &nInst);
  }
  for(i=0; rc==SQLITE_OK && i<nInst; i++){
    int ip, ic, io;
    rc = pApi->xInst(pFts, i, &ip, &ic, &io);
    if( rc==SQLITE_OK ){
      double w = (nWeight > ic) ? sqlite3_value_double(apVal[ic]) : 1.0;
      pData->aFreq[ip] += w;
    }
  }
  if( rc==SQLITE_OK ){
    int nTok;
    rc = docLength(pApi, pFts, (SizeCache*)pApi->xUserData(pFts), &nTok);
    D = (double)nTok;
  }
  if( rc==SQLITE_OK && bGroups ){
    /* Fold each inflection's frequency into its typed word's, then score the typed words and lone phrases. */
    const unsigned char *aGroup = (const unsigned char*)sqlite3_value_blob(pTiers);
    int nGroup = sqlite3_value_bytes(pTiers) / 4;
    int *aHead = 0;
    int nHead = 0;
    for(i=0; i<nGroup; i++){
      int t; memcpy(&t, &aGroup[i*4], 4);
      if( t>=0 && (t>>1)+1>nHead ) nHead = (t>>1)+1;
    }
    if( nHead>0 ){
      aHead = (int*)sqlite3_malloc64((sqlite3_int64)nHead*sizeof(int));
      if( aHead==0 ) rc = SQLITE_NOMEM;
      else for(i=0; i<nHead; i++) aHead[i] = -1;
    }
    for(i=0; rc==SQLITE_OK && i<pData->nPhrase && i<nGroup; i++){
      int t; memcpy(&t, &aGroup[i*4], 4);
      if( t>=0 && (t & 1)==0 ) aHead[t>>1] = i;
    }
    for(i=0; rc==SQLITE_OK && i<pData->nPhrase && i<nGroup; i++){
      int t; memcpy(&t, &aGroup[i*4], 4);
      if( t>=0 && (t & 1)==1 && aHead[t>>1]>=0 ){
        pData->aFreq[aHead[t>>1]] += vw * pData->aFreq[i];
        pData->aFreq[i] = 0.0;
      }
    }
    sqlite3_free(aHead);
    if( rc==SQLITE_OK ){
      for(i=0; i<pData->nPhrase; i++){
        score += pData->aIDF[i] * (
            ( pData->aFreq[i] * (k1 + 1.0) ) /
            ( pData->aFreq[i] + k1 * (1 - b + b * D / pData->avgdl) )
        );
      }
      sqlite3_result_double(pCtx, -1.0 * score);
    }else{
      sqlite3_result_error_code(pCtx, rc);
    }
  }else if( rc==SQLITE_OK ){
    const unsigned char *aTier = pTiers ? (const unsigned char*)sqlite3_value_blob(pTiers) : 0;
    int nTier = pTiers ? sqlite3_value_bytes(pTiers) / 4 : 0;
    if( aTier ) memset(pData->aGroup, 0, (size_t)pData->nPhrase);
    for(i=0; i<pData->nPhrase; i++){
      double s = pData->aIDF[i] * (
          ( pData->aFreq[i] * (k1 + 1.0) ) /
          ( pData->aFreq[i] + k1 * (1 - b + b * D / pData->avgdl) )
      );
      score += s;
      if( aTier ){
        int t = -1;
        if( i<nTier ) memcpy(&t, &aTier[i*4], 4);
        if( t<0 || (t & 1)==0 ) scoreExact += s;
        if( t>=0 && (t & 1)==0 && (t>>1)<pData->nPhrase ){
          unsigned char *g = &pData->aGroup[t>>1];
          if( pData->aFreq[i]!=0.0 ) *g = 2;
          else if( *g==0 ) *g = 1;
        }
      }
    }
    for(i=0; aTier && i<pData->nPhrase; i++){
      if( pData->aGroup[i]==1 ) bExact = 0;
    }
    if( aTier ) sqlite3_result_double(pCtx, bExact ? -1.0 * scoreExact : score);
    else sqlite3_result_double(pCtx, -1.0 * score);
  }else{
    sqlite3_result_error_code(pCtx, rc);
  }
}

typedef struct TopRow { sqlite3_int64 r; double s; int bNull; } TopRow;

typedef struct TopData {
  sqlite3_int64 nSeen;
  sqlite3_int64 k;
  sqlite3_int64 n;      /* entries in a[] */
  TopRow *a;            /* a heap: the worst kept row at a[0] */
} TopData;

/* Whether row x ranks before row y. */
static int topBefore(const TopRow *x, const TopRow *y){
  if( x->bNull!=y->bNull ) return y->bNull;
  if( !x->bNull && x->s!=y->s ) return x->s > y->s;
  return x->r < y->r;
}

static void topSiftDown(TopRow *a, sqlite3_int64 n, sqlite3_int64 i){
  for(;;){
    sqlite3_int64 l = 2*i+1, r = l+1, w = i;
    TopRow t;
    if( l<n && topBefore(&a[w], &a[l]) ) w = l;
    if( r<n && topBefore(&a[w], &a[r]) ) w = r;
    if( w==i ) return;
    t = a[i]; a[i] = a[w]; a[w] = t;
    i = w;
  }
}

static void topStep(sqlite3_context *pCtx, int nArg, sqlite3_value **apArg){
  TopData *p = (TopData*)sqlite3_aggregate_context(pCtx, sizeof(TopData));
  TopRow row;
  (void)nArg;
  if( p==0 ){ sqlite3_result_error_nomem(pCtx); return; }
  if( p->nSeen==0 && p->a==0 ){
    p->k = sqlite3_value_int64(apArg[2]);
    if( p->k<0 ) p->k = 0;
    if( p->k>1000000 ){ sqlite3_result_error(pCtx, "bm25_top: k above 1,000,000", -1); return; }
    if( p->k>0 ){
      p->a = (TopRow*)sqlite3_malloc64((sqlite3_uint64)p->k * sizeof(TopRow));
      if( p->a==0 ){ sqlite3_result_error_nomem(pCtx); return; }
    }
  }
  p->nSeen++;
  if( p->k==0 ) return;
  row.r = sqlite3_value_int64(apArg[0]);
  row.bNull = sqlite3_value_type(apArg[1])==SQLITE_NULL;
  row.s = row.bNull ? 0.0 : sqlite3_value_double(apArg[1]);
  if( p->n<p->k ){
    /* Sift up: the worst row rises to the root. */
    sqlite3_int64 i = p->n++;
    p->a[i] = row;
    while( i>0 ){
      sqlite3_int64 up = (i-1)/2;
      TopRow t;
      if( !topBefore(&p->a[up], &p->a[i]) ) break;
      t = p->a[up]; p->a[up] = p->a[i]; p->a[i] = t;
      i = up;
    }
  }else if( topBefore(&row, &p->a[0]) ){
    p->a[0] = row;
    topSiftDown(p->a, p->n, 0);
  }
}

static void topFinal(sqlite3_context *pCtx){
  TopData *p = (TopData*)sqlite3_aggregate_context(pCtx, 0);
  sqlite3_int64 nSeen = p ? p->nSeen : 0;
  sqlite3_int64 n = p ? p->n : 0;
  sqlite3_int64 i;
  unsigned char *out = (unsigned char*)sqlite3_malloc64(8 + (sqlite3_uint64)n * 16);
  if( out==0 ){ if( p ) sqlite3_free(p->a); sqlite3_result_error_nomem(pCtx); return; }
  memcpy(out, &nSeen, 8);
  /* Pop the worst row into the last free place until the heap is empty: best first. */
  for(i=n; i>0; i--){
    TopRow t = p->a[0];
    p->a[0] = p->a[i-1];
    topSiftDown(p->a, i-1, 0);
    memcpy(&out[8 + (i-1)*16], &t.r, 8);
    if( t.bNull ){ double z = -HUGE_VAL; memcpy(&out[8 + (i-1)*16 + 8], &z, 8); }
    else memcpy(&out[8 + (i-1)*16 + 8], &t.s, 8);
  }
  if( p ) sqlite3_free(p->a);
  sqlite3_result_blob64(pCtx, out, 8 + (sqlite3_uint64)n * 16, sqlite3_free);
}

static fts5_api *fts5Api(sqlite3 *db){
  fts5_api *pRet = 0;
  sqlite3_stmt *pStmt = 0;
  if( SQLITE_OK==sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &pStmt, 0) ){
    sqlite3_bind_pointer(pStmt, 1, (void*)&pRet, "fts5_api_ptr", 0);
    sqlite3_step(pStmt);
  }
  sqlite3_finalize(pStmt);
  return pRet;
}

#ifdef _WIN32
__declspec(dllexport)
#endif
int sqlite3_fts5rank_init(sqlite3 *db, char **pzErrMsg, const sqlite3_api_routines *pApi){
  fts5_api *fts;
  SizeCache *cache;
  SQLITE_EXTENSION_INIT2(pApi);
  fts = fts5Api(db);
  if( fts==0 || fts->iVersion<2 ){
    *pzErrMsg = sqlite3_mprintf("fts5rank: FTS5 is not available");
    return SQLITE_ERROR;
  }
  /* One cache per connection: a connection is used by one thread at a time. bm25_df owns it. */
  cache = (SizeCache*)sqlite3_malloc64(sizeof(SizeCache));
  if( cache==0 ) return SQLITE_NOMEM;
  memset(cache, 0, sizeof(SizeCache));
  if( fts->xCreateFunction(fts, "bm25_df", (void*)cache, bm25DfFunction, sizeCacheFree)!=SQLITE_OK ){
    sqlite3_free(cache);
    *pzErrMsg = sqlite3_mprintf("fts5rank: cannot create bm25_df");
    return SQLITE_ERROR;
  }
  if( sqlite3_create_function_v2(db, "bm25_watch", 1, SQLITE_UTF8, (void*)cache, watchFunction, 0, 0, 0)!=SQLITE_OK
   || sqlite3_create_function_v2(db, "bm25_watch", 2, SQLITE_UTF8, (void*)cache, watchFunction, 0, 0, 0)!=SQLITE_OK
   || sqlite3_create_function_v2(db, "bm25_changes", 2, SQLITE_UTF8, (void*)cache, changesFunction, 0, 0, 0)!=SQLITE_OK
   || sqlite3_create_function_v2(db, "bm25_prime", 0, SQLITE_UTF8, (void*)cache, primeFunction, 0, 0, 0)!=SQLITE_OK
   || sqlite3_create_function_v2(db, "bm25_kept", 0, SQLITE_UTF8, (void*)cache, keptFunction, 0, 0, 0)!=SQLITE_OK
   || sqlite3_create_function_v2(db, "bm25_top", 3, SQLITE_UTF8 | SQLITE_DETERMINISTIC, 0, 0, topStep, topFinal, 0)!=SQLITE_OK ){
    *pzErrMsg = sqlite3_mprintf("fts5rank: cannot create bm25_watch, bm25_changes, bm25_prime, bm25_kept or bm25_top");
    return SQLITE_ERROR;
  }
  return SQLITE_OK;
}

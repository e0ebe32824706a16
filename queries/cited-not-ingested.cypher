// cited-not-ingested: instruments that reports cite but that are not in the
// store themselves — the documents worth fetching and ingesting next.
// Twin of cited-not-ingested.rq (same columns and order).
//
// "In the store" means: some stored report is that instrument (IDENTIFIED_AS,
// set when a report prints its own symbol in its header). Matching is by
// instrument, so a provincial number is jurisdiction- and year-aware.
//
// Parameters: none.
// Columns:
//   symbol   canonical symbol of the cited instrument
//   reports  number of distinct reports citing it (integer)
// Order: reports desc, symbol.
//
// Example:
//   kg cypher queries/cited-not-ingested.cypher
MATCH (r:Report)-[:CITES]->(i:Instrument)
WHERE NOT EXISTS { ()-[:IDENTIFIED_AS]->(i) }
RETURN i.symbol AS symbol, count(DISTINCT r) AS reports
ORDER BY reports DESC, symbol

// most-cited: the instruments cited by the most reports.
// Twin of most-cited.rq (same columns and order).
//
// Parameters: none.
// Columns:
//   symbol    canonical symbol (instruments sharing a symbol — the same local
//             number in two provinces — are counted together)
//   reports   number of distinct reports that cite it (CITES; integer)
//   mentions  number of mentions of it in those reports (sum of CITES.mentions);
//             a report's own header symbol is neither a citation nor counted
// Order: reports desc, mentions desc, symbol. The top 20.
//
// Example:
//   kg cypher queries/most-cited.cypher
MATCH (r:Report)-[c:CITES]->(i:Instrument)
RETURN i.symbol AS symbol, count(DISTINCT r) AS reports, sum(c.mentions) AS mentions
ORDER BY reports DESC, mentions DESC, symbol
LIMIT 20

// reports-citing: which reports cite a given instrument, and how often each does.
// Twin of reports-citing.rq (same parameters, columns and order).
//
// Parameters:
//   symbol  canonical symbol of the instrument, e.g. 60/2021/NĐ-CP
//           (left out: every cited instrument, one row per instrument × report)
// Columns:
//   symbol    the instrument's canonical symbol (the parameter)
//   source    Report.source of the citing report (absolute path)
//   mentions  number of mentions of the instrument in that report (integer)
// Order: source, symbol.
// A provincial symbol (4288/QĐ-UBND) can name several instruments (one per
// province and year); mentions are summed per report over all of them.
// A report's own header symbol is not a citation (IDENTIFIED_AS, not CITES).
//
// Example:
//   kg cypher queries/reports-citing.cypher -p symbol=60/2021/NĐ-CP
MATCH (r:Report)-[c:CITES]->(i:Instrument)
WHERE $symbol IS NULL OR i.symbol = $symbol
RETURN i.symbol AS symbol, r.source AS source, sum(c.mentions) AS mentions
ORDER BY source, symbol

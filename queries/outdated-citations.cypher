// outdated-citations: what the graph holds against the instruments each stored
// report cites, at the report's own date: replaced or repealed by then, amended
// by then, or cited with another date than the one the graph decided.
// Twin of outdated-citations.rq (same parameters, columns and order).
//
// Parameters:
//   file  the report's file name, matched as the END of Report.source
//         (ENDS WITH), e.g. bc-2021.txt (left out: every report with a date)
// Columns:
//   source  Report.source (where it was read: its path from the ingested folder's parent)
//   date    the report's own date (Report.date), ISO yyyy-mm-dd; reports without one are left out
//   symbol  the cited instrument's canonical symbol
//   issue   "replaced", "repealed", "amended" (by `by`, since `since`), or "date"
//           (the report gives the date `cited`, the graph decided `known`)
//   by      symbol of the instrument that REPLACES, REPEALS or AMENDS it; null for "date"
//   since   ISO date the change takes effect: the earliest `effective` of its
//           relationships, else the decided date of `by`; a change with neither is left out
//   cited   the date this report gives the instrument (CITES.date; "date" rows only)
//   known   the decided date of the instrument ("date" rows only)
//   file    the parameter
// Order: source, symbol, issue, by.
//
// Instrument.date is the decided date (the loader decides it as the RDF stores do,
// kg.graph.choose); CITES.date is what one report says. `effective` is the date a
// change takes effect where the text states it (lkg:effectiveDate in RDF).
// A change made by the report's own instrument (IDENTIFIED_AS), or stated in the
// report itself (a relationship with report = its key), is not held against it.
//
// Example:
//   kg cypher queries/outdated-citations.cypher -p file=bc-2021.txt
MATCH (r:Report)-[c:CITES]->(i:Instrument)
WHERE r.date IS NOT NULL AND r.source ENDS WITH coalesce($file, '')
CALL (r, c, i) {
  MATCH (by:Instrument)-[change:REPLACES|REPEALS|AMENDS]->(i)
  WHERE by <> i
  WITH r, i, by, type(change) AS kind, min(change.effective) AS effective
  WHERE NOT EXISTS { MATCH (by)-[own]->(i) WHERE type(own) = kind AND own.report = r.key }
    AND NOT EXISTS { (r)-[:IDENTIFIED_AS]->(by) }
  WITH r, by, kind, coalesce(effective, by.date) AS day
  WHERE day IS NOT NULL AND day <= r.date
  RETURN CASE kind WHEN 'REPLACES' THEN 'replaced' WHEN 'REPEALS' THEN 'repealed' ELSE 'amended' END AS issue,
         by.symbol AS bySymbol, toString(day) AS since, null AS cited, null AS known
  UNION
  WITH c, i WHERE c.date IS NOT NULL AND i.date IS NOT NULL AND c.date <> i.date
  RETURN 'date' AS issue, null AS bySymbol, null AS since, toString(c.date) AS cited, toString(i.date) AS known
}
RETURN DISTINCT r.source AS source, toString(r.date) AS date, i.symbol AS symbol, issue, bySymbol AS by,
       since, cited, known, $file AS file
ORDER BY source, symbol, issue, by

// amendment-chain: every instrument linked to a given one through amendments,
// in either direction and at any distance (AMENDS, transitively).
// Twin of amendment-chain.rq (same parameters, columns and order).
//
// Parameters:
//   symbol  canonical symbol of the instrument, e.g. 115/2005/NĐ-CP
//           (left out: the chains of every instrument that amends or is amended)
// Columns:
//   symbol     the instrument's canonical symbol (the parameter)
//   related    canonical symbol of an instrument on its amendment chain
//   direction  "amends"     — symbol amends related (directly or via others)
//              "amended_by" — related amends symbol (directly or via others)
// Order: symbol, direction, related.
//
// Nodes are matched by symbol like eli:id_local in the twin, so a report that
// prints its own symbol and states an amendment itself counts too. ANY keeps
// one path per pair of ends (parallel AMENDS from several reports would
// otherwise multiply the paths). A cycle (an OCR slip) is not a chain: an
// instrument is never related to itself.
//
// Example:
//   kg cypher queries/amendment-chain.cypher -p symbol=115/2005/NĐ-CP
CALL () {
  MATCH (a:Instrument) WHERE $symbol IS NULL OR a.symbol = $symbol RETURN a
  UNION
  MATCH (a:Report) WHERE a.symbol IS NOT NULL AND ($symbol IS NULL OR a.symbol = $symbol) RETURN a
}
CALL (a) {
  MATCH ANY (a)-[:AMENDS]->+(b) RETURN b, 'amends' AS direction
  UNION
  MATCH ANY (b)-[:AMENDS]->+(a) RETURN b, 'amended_by' AS direction
}
WITH a, b, direction WHERE b <> a AND b.symbol IS NOT NULL
RETURN DISTINCT a.symbol AS symbol, b.symbol AS related, direction
ORDER BY symbol, direction, related

// report-instruments: the instruments one report relies on (cites), with the
// type, issuer, date and jurisdiction the report gives them.
// Twin of report-instruments.rq (same parameters, columns and order).
//
// Parameters:
//   file  the report's file name, matched as the END of Report.source
//         (ENDS WITH), e.g. nghean-skhcn-cchc-2023.ocr.txt
//         (left out: one row per cited instrument of every report)
// Columns:
//   symbol        canonical symbol
//   type          document-type code (DocumentType.code): NĐ, QĐ, KH, LUẬT …
//   issuer        issuing-body code as in the symbol: CP, TTg, UBND, QH14, SKHCN,
//                 and the whole joint code for joint instruments (BTC-BNV)
//   date          issue date as this report gives it (CITES.date), ISO yyyy-mm-dd; null if none
//   jurisdiction  province name (Jurisdiction.name) of a provincial instrument; null if national
//   mentions      number of mentions of it in the report (CITES.mentions; 0 when
//                 it is only named in a relation)
//   file          the parameter (kept to mirror the SPARQL twin's columns)
// Order: symbol, then source (when several reports match).
//
// The issuer is derived from the symbol: its code part (after the last "/")
// minus a leading "TYPE-"; when that leaves several codes ("SKHCN-VP") only
// the first, unless the instrument is ISSUED_BY several bodies (a joint
// symbol such as TTLT-BTC-BNV), when all of them.
//
// Example:
//   kg cypher queries/report-instruments.cypher -p file=nghean-skhcn-cchc-2023.ocr.txt
MATCH (r:Report)-[c:CITES]->(i:Instrument)
WHERE r.source ENDS WITH coalesce($file, '')
OPTIONAL MATCH (i)-[:OF_TYPE]->(t:DocumentType)
OPTIONAL MATCH (i)-[:IN_JURISDICTION]->(j:Jurisdiction)
  WHERE j.iri <> 'https://w3id.org/legal-kg/vocab/jurisdiction/vn'
WITH r, c, i, t, j, COUNT { (i)-[:ISSUED_BY]->() } AS bodies, last(split(i.symbol, '/')) AS code
WITH r, c, i, t, j, bodies,
     CASE WHEN t.code IS NOT NULL AND code STARTS WITH t.code + '-'
          THEN substring(code, size(t.code) + 1) ELSE code END AS rest
RETURN i.symbol AS symbol, t.code AS type,
       CASE WHEN bodies > 1 THEN rest ELSE split(rest, '-')[0] END AS issuer,
       toString(c.date) AS date, j.name AS jurisdiction, c.mentions AS mentions, $file AS file
ORDER BY symbol, r.source

// reports-by-jurisdiction-year: the stored reports of one province in one year.
// Twin of reports-by-jurisdiction-year.rq (same parameters, columns and order).
//
// Parameters:
//   jurisdiction  province name as in the vocabulary (Jurisdiction.name of the
//                 report's IN_JURISDICTION), e.g. "Nghệ An"; "Việt Nam" for national reports
//   year          the year of the report's own date (Report.date), an integer, e.g. 2023
//   Either may be left out: it is then not restricted and its column shows
//   each report's own value.
// Columns:
//   source        Report.source (absolute path)
//   symbol        the report's own symbol, null if it prints none
//   title         the report's title (as read), null if none
//   date          the report's date, ISO yyyy-mm-dd
//   jurisdiction  the province name (the parameter)
//   year          the year (the parameter)
// Order: source.
// Only reports with a date and a jurisdiction can match.
//
// Example:
//   kg cypher queries/reports-by-jurisdiction-year.cypher -p jurisdiction="Nghệ An" -p year=2023
MATCH (r:Report)-[:IN_JURISDICTION]->(j:Jurisdiction)
WHERE r.date IS NOT NULL AND j.name IS NOT NULL
  AND ($jurisdiction IS NULL OR j.name = $jurisdiction)
  AND ($year IS NULL OR r.date.year = $year)
RETURN r.source AS source, r.symbol AS symbol, r.title AS title, toString(r.date) AS date,
       j.name AS jurisdiction, r.date.year AS year
ORDER BY source

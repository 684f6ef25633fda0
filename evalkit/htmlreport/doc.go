// Package htmlreport renders a classification run's report card as one
// self-contained HTML file (report.html): the headline numbers, the
// per-class table, the confusion matrix as counts and as row
// percentages, the training curves with the best epoch marked, per-class
// precision-recall and ROC curves, the reliability diagram, the most
// confused class pairs with thumbnails of their mistakes, and the
// cross-validated verdict on per-class thresholds.
//
// The caller fills a Page (a section whose data are nil or empty is left
// out) and calls Render or Write. Charts are inline SVG, images are
// data-URI PNGs, the CSS and a small optional script (table sorting) are
// inline: the file loads nothing from the network and reads the same
// without JavaScript; hover values come from SVG <title> elements. Text
// goes through html/template, so class names are escaped.
//
// LoadLogs reads a run directory's logs/<loader>.csv into the Page's
// curves; Thumbnail draws a data set sample as a PNG.
package htmlreport

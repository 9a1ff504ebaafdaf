package report_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/evtxkit/smbreadiness/report"
	"github.com/evtxkit/smbreadiness/smbaudit"
)

// sharedLabel returns a result with one 3021 finding for each of n clients
// whose names share the first label "ws" (ws.d00001.example, ...): every
// one of them is linked to every other.
func sharedLabel(n int) *smbaudit.Result {
	res := &smbaudit.Result{}
	t0 := time.Date(2025, 10, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		raw := fmt.Sprintf(`\\ws.d%05d.example`, i)
		res.Findings = append(res.Findings, smbaudit.Finding{Kind: smbaudit.KindSigningUnsupported,
			EventID: smbaudit.EventSigningUnsupported, Server: "srv1", Client: smbaudit.NormalizeClient(raw),
			Time: t0.Add(time.Duration(i) * time.Second), RecordID: uint64(i + 1), EventRecordID: uint64(i + 1),
			Channel: smbaudit.AuditChannel})
	}
	return res
}

// TestSharedLabelLinear checks that names sharing a first label give a
// report whose size grows linearly with their number: a client can choose
// the name that gets logged, and a quadratic report is a denial of service.
func TestSharedLabelLinear(t *testing.T) {
	size := func(n int, f report.Format) int {
		r := newReport(sharedLabel(n), report.Options{GeneratedAt: pinned, MaxFindings: 1})
		var buf bytes.Buffer
		require.NoError(t, r.Render(&buf, f, report.RenderOptions{}))
		return buf.Len()
	}
	for _, f := range report.Formats() {
		t.Run(string(f), func(t *testing.T) {
			n := 1000
			if testing.Short() {
				n = 500 // quadratic growth would still give 16 times the bytes
			}
			small, large := size(n, f), size(4*n, f)
			// Four times the names: at most a little over four times the
			// bytes (each client lists DefaultMaxListed links however
			// many there are). Before the lists were bounded: 15.7 times.
			require.LessOrEqual(t, 10*large, 45*small, "%d names: %d bytes, %d: %d", n, small, 4*n, large)
			// About 2.4 KB a client in JSON, 0.9 KB in text.
			require.Less(t, large, 12<<20, "%d names sharing a first label: %d bytes", 4*n, large)
		})
	}
}

// whole puts the full lists of full into the clients of cut, which must
// hold their first values and count them all, and returns cut so made.
func whole(t *testing.T, full, cut *report.Report, n int, at string) *report.Report {
	t.Helper()
	require.Len(t, cut.Clients, len(full.Clients), at)
	out := *cut
	out.Clients = slices.Clone(cut.Clients)
	for i := range out.Clients {
		c, f := &out.Clients[i], &full.Clients[i]
		for _, l := range []struct {
			name       string
			got, all   *[]string
			total, fTo *int
		}{
			{"linked", &c.Linked, &f.Linked, &c.LinkedTotal, &f.LinkedTotal},
			{"names", &c.Names, &f.Names, &c.NamesTotal, &f.NamesTotal},
			{"servers", &c.Servers, &f.Servers, &c.ServersTotal, &f.ServersTotal},
			{"users", &c.Users, &f.Users, &c.UsersTotal, &f.UsersTotal},
			{"spns", &c.SPNs, &f.SPNs, &c.SPNsTotal, &f.SPNsTotal},
		} {
			want := *l.all
			if len(want) > n {
				want = want[:n]
			}
			require.Equal(t, want, *l.got, "%s: client %s: %s", at, c.ID, l.name)
			require.Equal(t, len(*l.all), *l.total, "%s: client %s: %s total", at, c.ID, l.name)
			require.Equal(t, *l.fTo, *l.total, "%s: client %s: %s total", at, c.ID, l.name)
			*l.got = *l.all
		}
	}
	return &out
}

// The rows with bounded lists are the full rows, but for the lists cut to
// their first MaxListed values, whose totals count every value: nothing
// else is lost, whether the findings are kept or only counted, and the
// renderers write the count of the rest.
func TestMaxListedCutsOnlyTheLists(t *testing.T) {
	cuts := 0
	for seed := range uint64(propertyRuns()) {
		r := rand.New(rand.NewPCG(seed, 21))
		all := concat(uniqueFiles(r, 1+r.IntN(6))...)
		for _, maxFindings := range []int{0, 1} {
			full := newReport(all, report.Options{GeneratedAt: pinned, MaxFindings: maxFindings, MaxListed: -1})
			for _, n := range []int{1, 2} {
				at := fmt.Sprintf("seed %d max findings %d max listed %d", seed, maxFindings, n)
				cut := newReport(all, report.Options{GeneratedAt: pinned, MaxFindings: maxFindings, MaxListed: n})
				require.Equal(t, full, whole(t, full, cut, n, at), at)
				// The formats that list all five lists say how many values
				// each leaves out (Markdown lists no links): rendered once,
				// checked for every client.
				rendered := map[report.Format]string{}
				for _, f := range []report.Format{report.FormatText, report.FormatCSV, report.FormatHTML} {
					var b bytes.Buffer
					require.NoError(t, cut.Render(&b, f, report.RenderOptions{}))
					rendered[f] = b.String()
				}
				for _, c := range cut.Clients {
					for _, m := range []int{report.More(c.Linked, c.LinkedTotal), report.More(c.Names, c.NamesTotal),
						report.More(c.Servers, c.ServersTotal), report.More(c.Users, c.UsersTotal), report.More(c.SPNs, c.SPNsTotal)} {
						if m == 0 {
							continue
						}
						cuts++
						for f, out := range rendered {
							require.Contains(t, out, fmt.Sprintf("(and %d more)", m), "%s: %s", at, f)
						}
					}
				}
				if maxFindings == 0 {
					continue // read back, its rows are made again from its findings
				}
				// The JSON form of the rows keeps the totals.
				var b bytes.Buffer
				require.NoError(t, cut.Render(&b, report.FormatJSON, report.RenderOptions{}))
				back, err := report.ReadJSON(&b)
				require.NoError(t, err, at)
				// Read back, lists are cut at DefaultMaxListed: what it lists
				// starts with what cut lists, and every total is kept.
				require.Len(t, back.Clients, len(cut.Clients), at)
				for i, c := range cut.Clients {
					bc := back.Clients[i]
					for _, l := range [][2][]string{{c.Linked, bc.Linked}, {c.Names, bc.Names}, {c.Servers, bc.Servers}, {c.Users, bc.Users}, {c.SPNs, bc.SPNs}} {
						require.Equal(t, l[0], l[1][:len(l[0])], "%s: client %s", at, c.ID)
					}
					require.Equal(t, []int{c.LinkedTotal, c.NamesTotal, c.ServersTotal, c.UsersTotal, c.SPNsTotal},
						[]int{bc.LinkedTotal, bc.NamesTotal, bc.ServersTotal, bc.UsersTotal, bc.SPNsTotal}, "%s: client %s", at, c.ID)
				}
			}
		}
	}
	require.Positive(t, cuts, "no list was ever cut: the test proves nothing")
}

// A summarised partial is read with its clients one at a time when its
// schema comes first, as WriteJSON writes it; read whole otherwise, it
// gives the same report. Clients given twice, or a schema changed after
// the clients, are refused.
func TestReadJSONStreamsClients(t *testing.T) {
	r := newReport(sharedLabel(50), report.Options{GeneratedAt: pinned, MaxFindings: 1, MaxListed: 3})
	var b bytes.Buffer
	require.NoError(t, r.Render(&b, report.FormatJSON, report.RenderOptions{}))
	doc := b.String()
	streamed, err := report.ReadJSON(strings.NewReader(doc))
	require.NoError(t, err)
	require.Len(t, streamed.Clients, 50)
	require.Equal(t, 49, streamed.Clients[0].LinkedTotal)

	// The schema last: the clients are kept until it is known.
	schema := `"schema": "` + report.SchemaSummarised + `",`
	require.Contains(t, doc, schema)
	late := strings.Replace(doc, schema, "", 1)
	late = late[:strings.LastIndex(late, "}")] + `, ` + strings.TrimSuffix(schema, ",") + "}\n"
	whole, err := report.ReadJSON(strings.NewReader(late))
	require.NoError(t, err)
	streamed.Digest, whole.Digest = [32]byte{}, [32]byte{}
	require.Equal(t, streamed, whole)

	twice := strings.Replace(doc, "\n  \"clients\": [", "\n  \"clients\": [], \"Clients\": [", 1) // the top-level member, not filter's
	_, err = report.ReadJSON(strings.NewReader(twice))
	require.ErrorIs(t, err, report.ErrMalformed)
	require.ErrorContains(t, err, "given twice")

	// A type error in a client names its place in the document.
	bad := `{"schema":"` + report.SchemaSummarised + `","clients":[{"client":"a"},{"client": 5}],"findings_omitted":1}`
	_, err = report.ReadJSON(strings.NewReader(bad))
	var fe *report.FieldError
	require.ErrorAs(t, err, &fe)
	require.InDelta(t, strings.Index(bad, "5}"), fe.Offset, 2, "%v", err)

	changed := doc[:strings.LastIndex(doc, "}")] + `, "schema": "` + report.Schema + `"}` + "\n"
	_, err = report.ReadJSON(strings.NewReader(changed))
	require.ErrorIs(t, err, report.ErrMalformed)
	require.ErrorContains(t, err, "schema")
}

// A partial added with Builder.AddJSON gives the report that ReadJSON and
// AddReport give, summarised or not, and Finish the report of Report; a
// partial added twice, or a bad one, adds nothing.
func TestAddJSONIsReadAndAdd(t *testing.T) {
	for seed := range uint64(propertyRuns() / 4) {
		r := rand.New(rand.NewPCG(seed, 31))
		files := uniqueFiles(r, 2+r.IntN(4))
		var docs [][]byte
		for i, f := range files {
			var b bytes.Buffer
			max := 0
			if i%2 == 0 {
				max = 1
			}
			require.NoError(t, newReport(f, report.Options{GeneratedAt: pinned, MaxFindings: max}).Render(&b, report.FormatJSON, report.RenderOptions{}))
			docs = append(docs, b.Bytes())
		}
		for _, maxFindings := range []int{0, 3} {
			at := fmt.Sprintf("seed %d max findings %d", seed, maxFindings)
			viaReport := report.NewBuilder(report.Options{GeneratedAt: pinned, MaxFindings: maxFindings})
			viaJSON := report.NewBuilder(report.Options{GeneratedAt: pinned, MaxFindings: maxFindings})
			for _, d := range docs {
				rep, err := report.ReadJSON(bytes.NewReader(d))
				require.NoError(t, err, at)
				require.NoError(t, viaReport.AddReport(rep), at)
				require.NoError(t, viaJSON.AddJSON(bytes.NewReader(d)), at)
			}
			require.ErrorIs(t, viaJSON.AddJSON(bytes.NewReader(docs[0])), report.ErrDuplicate, at)
			require.ErrorIs(t, viaJSON.AddJSON(strings.NewReader(`{"schema":"x"}`)), report.ErrSchema, at)
			require.Equal(t, renderAll(t, viaReport.Finish()), renderAll(t, viaJSON.Finish()), at)
		}
	}
}

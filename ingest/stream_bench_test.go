package ingest

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/leadrun/leadrun"
)

// benchCSV is a lead file of n rows shaped like an export: a long about and a JSON job.
func benchCSV(n int) []byte {
	var b bytes.Buffer
	b.WriteString("LinkedIn Profile URL,First Name,Last Name,Headline,Job Title,Company Name,About,Location,Email,Phone,Experience\n")
	about := strings.Repeat("growth sales founder marketing revenue operations ", 8)
	for i := range n {
		fmt.Fprintf(&b, `https://www.linkedin.com/in/person-%d/,Ann%d,Lee,Founder at Co %d | B2B SaaS,CEO,Co %d,"%s",`+
			`"Brisbane, Australia",p%d@example.com,+61 400 000 %03d,"[{""title"":""Head of Sales"",""company"":""Co %d"",`+
			`""start"":""2019-01"",""description"":""%s""}]"`+"\n", i, i, i%500, i%500, about, i, i%1000, i%500, about[:120])
	}
	return b.Bytes()
}

// Reading and validating a lead file without a database: rows per second and memory.
func BenchmarkStreamLeadsCSV(b *testing.B) {
	data := benchCSV(10000)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		batch, err := StreamLeads(bytes.NewReader(data), FormatCSV, "Guy-Wilson", StreamOptions{
			Flush: func([]*leadrun.Lead) error { return nil }})
		if err != nil || batch.Items != 10000 || len(batch.Errors) != 0 {
			b.Fatalf("%v %+v", err, batch.Errors)
		}
	}
	b.ReportMetric(float64(10000*b.N)/b.Elapsed().Seconds(), "rows/s")
}

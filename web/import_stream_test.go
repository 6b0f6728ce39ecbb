package web_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/sqldb"
	"github.com/leadrun/leadrun/sqldb/sqldbtest"
	"github.com/leadrun/leadrun/web"
)

// A hostile CSV through the import API on both databases: an unclosed quote is one item
// error at its line and the rows after it are stored; Latin-1 and NUL cells are repaired
// and noted; a BOM before a quoted header and a UTF-16 file are read (issue 11, defect 7).
func TestImportHostileCSV(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		e := mustServe(t, db, web.Config{WebhookSecret: secret, AdminToken: token}, false)
		csvHeader := map[string]string{"Authorization": "Bearer " + token, "Content-Type": "text/csv"}
		in := "\ufeff\"profile_url\",\"first_name\",\"headline\"\n" +
			"linkedin.com/in/hostile-a,\"Ann,Coach\n" + // line 2: the quote never closes
			"linkedin.com/in/hostile-b,Bob,CFO\n" +
			"linkedin.com/in/hostile-c,Jos\xe9,Caf\xe9 owner\n" + // Latin-1
			"linkedin.com/in/hostile-d,Di\x00,CEO\n" + // NUL
			"linkedin.com/in/hostile-e,\"Eve\",\"Founder\"\n"
		status, body := e.do(t, "POST", "/api/v1/clients/Guy-Wilson/leads", csvHeader, in)
		if status != 200 || body["created"] != 4.0 {
			t.Fatalf("import: %d %v", status, body)
		}
		failed := fmt.Sprint(body["failed"])
		if !strings.Contains(failed, "index:2") || !strings.Contains(failed, "line 2") || strings.Count(failed, "index:") != 1 {
			t.Errorf("failed = %s, want the unclosed quote at line 2 only", failed)
		}
		if repaired := fmt.Sprint(body["repaired"]); !strings.Contains(repaired, "index:4") || !strings.Contains(repaired, "index:5") {
			t.Errorf("repaired = %s, want lines 4 and 5", repaired)
		}
		names := storedNames(t, db, "Guy-Wilson", "in/hostile-")
		if want := "Bob|Jos\uFFFD|Di|Eve"; names != want {
			t.Errorf("stored %q, want %q", names, want)
		}
		// The same rows in UTF-16 (little endian, with a BOM) update the same leads.
		var u16 []byte
		u16 = append(u16, 0xFF, 0xFE)
		for _, u := range utf16.Encode([]rune("profile_url,first_name,headline\r\nlinkedin.com/in/hostile-b,Bob,CFO and COO\r\n")) {
			u16 = binary.LittleEndian.AppendUint16(u16, u)
		}
		status, body = e.do(t, "POST", "/api/v1/clients/Guy-Wilson/leads", csvHeader, string(u16))
		if status != 200 || body["updated"] != 1.0 || body["created"] != 0.0 {
			t.Errorf("UTF-16 import: %d %v", status, body)
		}
	})
}

// A broken file is refused whole even after groups of its leads were written: the
// transaction rolls back, nothing is half-written.
func TestImportBrokenAfterGroups(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		e := mustServe(t, db, web.Config{WebhookSecret: secret, AdminToken: token}, false)
		var b strings.Builder
		b.WriteString("[")
		for i := range 1200 { // more than two groups of 500
			fmt.Fprintf(&b, `{"profile_url":"https://www.linkedin.com/in/g-%d/","first_name":"G","headline":"H"},`, i)
		}
		b.WriteString(`{"profile_url": oops}]`)
		before := storedNames(t, db, "Guy-Wilson", "")
		status, body := e.do(t, "POST", "/api/v1/clients/Guy-Wilson/leads", bearer, b.String())
		if status != 400 || !strings.Contains(fmt.Sprint(body["error"]), "line") {
			t.Errorf("broken JSON: %d %v, want 400 naming the line", status, body)
		}
		if after := storedNames(t, db, "Guy-Wilson", ""); after != before {
			t.Errorf("a refused file left leads behind: %d bytes of names before, %d after", len(before), len(after))
		}
	})
}

// storedNames lists the first names of a client's leads whose profile key holds part,
// in ID order, joined by "|".
func storedNames(t *testing.T, db *sqldb.DB, clientID, part string) string {
	t.Helper()
	leads, err := db.FindLeads(context.Background(), leadrun.LeadFilter{ClientID: clientID})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, l := range leads {
		if strings.Contains(l.ProfileKey, part) {
			names = append(names, l.FirstName)
		}
	}
	return strings.Join(names, "|")
}

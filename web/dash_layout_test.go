package web_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color/palette"
	"image/draw"
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/sqldb"
	"github.com/leadrun/leadrun/sqldb/sqldbtest"
	"github.com/leadrun/leadrun/web"
)

// overflowJS reports what makes the page body wider than the window ("" when nothing
// does): the widest elements that stick out, with their widths.
const overflowJS = `(() => {
  const de = document.documentElement, vw = de.clientWidth;
  if (de.scrollWidth <= vw && document.body.scrollWidth <= vw) return "";
  const out = [];
  for (const el of document.querySelectorAll("body *")) {
    const r = el.getBoundingClientRect();
    if (r.right > vw + 1 && el.closest(".tablewrap, .scrollx") === null) {
      out.push(el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + (el.className && el.className.baseVal === undefined ? "." + el.className : "") + " right=" + Math.round(r.right));
    }
    if (out.length >= 8) break;
  }
  return "body " + de.scrollWidth + "px in a " + vw + "px window: " + out.join(", ");
})()`

// clippedTablesJS names the tables that do not fit their box (they scroll inside it, their
// last columns hidden until scrolled) or whose cells' text runs over the next cell: on a
// laptop every table must fit.
const clippedTablesJS = `(() => {
  const out = [];
  for (const w of document.querySelectorAll(".tablewrap, .scrollx")) {
    if (w.scrollWidth > w.clientWidth + 1) {
      const t = w.querySelector("table");
      out.push((t && t.id ? "#" + t.id : w.className) + " " + w.scrollWidth + "px in " + w.clientWidth + "px");
    }
    for (const td of w.querySelectorAll("td")) {
      if (td.scrollWidth > td.clientWidth + 1) {
        out.push("a cell's text runs over into the next: " + td.textContent.trim().slice(0, 40));
        break;
      }
    }
  }
  return out.join(", ");
})()`

// chartLabelJS returns the smallest rendered font size of any chart label on the page, in
// CSS pixels (the SVG is scaled to its box), or 99 when there is no chart.
const chartLabelJS = `(() => {
  let min = 99;
  for (const t of document.querySelectorAll("figure.chart svg text")) {
    const svg = t.ownerSVGElement, vb = svg.viewBox.baseVal;
    const scale = vb && vb.width ? svg.getBoundingClientRect().width / vb.width : 1;
    min = Math.min(min, parseFloat(getComputedStyle(t).fontSize) * scale);
  }
  return Math.round(min * 10) / 10;
})()`

// checkLayout opens each page at a phone's and a laptop's width: the page body never
// scrolls sideways (on a phone tables scroll inside their own box; on a laptop they fit
// it, no column hidden), chart labels are at least 11 px,
// and a screenshot of each is saved.
func checkLayout(t *testing.T, bctx context.Context, base, shots string, pages map[string]string) {
	t.Helper()
	for _, width := range []int64{390, 1280} {
		if err := chromedp.Do(bctx, chromedp.EmulateViewport(width, 844)); err != nil {
			t.Fatal(err)
		}
		for name, path := range pages {
			if err := chromedp.Do(bctx, chromedp.Navigate(base+path)); err != nil {
				t.Fatalf("%s at %d px: %v", path, width, err)
			}
			if err := chromedp.Do(bctx, chromedp.WaitVisible(chromedp.CSS("main"))); err != nil {
				t.Fatalf("%s at %d px: %v", path, width, err)
			}
			over, err := chromedp.Run(bctx, chromedp.Evaluate[string](overflowJS))
			if err != nil {
				t.Fatal(err)
			}
			if over != "" {
				t.Errorf("%s at %d px: the page scrolls sideways: %s", path, width, over)
			}
			if width >= 1280 {
				clipped, err := chromedp.Run(bctx, chromedp.Evaluate[string](clippedTablesJS))
				if err != nil {
					t.Fatal(err)
				}
				if clipped != "" {
					t.Errorf("%s at %d px: tables wider than their box (last columns hidden): %s", path, width, clipped)
				}
			}
			label, err := chromedp.Run(bctx, chromedp.Evaluate[float64](chartLabelJS))
			if err != nil {
				t.Fatal(err)
			}
			if label < 11 {
				t.Errorf("%s at %d px: chart labels render at %.1f px, want ≥ 11", path, width, label)
			}
			shot, err := chromedp.Run(bctx, chromedp.FullScreenshot(100))
			if err != nil {
				t.Fatal(err)
			}
			// The screenshot is a PNG as wide as the window: the page drew at this width.
			if cfg, err := png.DecodeConfig(bytes.NewReader(shot)); err != nil || int64(cfg.Width) != width || cfg.Height < 200 {
				t.Errorf("%s at %d px: screenshot %+v %v, want a PNG %d px wide", path, width, cfg, err, width)
			}
			if err := os.WriteFile(filepath.Join(shots, fmt.Sprintf("%s-%d.png", name, width)), shot, 0o644); err != nil {
				t.Fatal(err)
			}
			if docs := os.Getenv("LEADRUN_DOCS_SCREENSHOTS"); docs != "" && docsPages[name] {
				mustDocsCopy(t, shot, filepath.Join(docs, fmt.Sprintf("%s-%d.png", name, width)))
			}
		}
	}
	if err := chromedp.Do(bctx, chromedp.EmulateViewport(1280, 900)); err != nil {
		t.Fatal(err)
	}
}

// TestDashboardLayoutWidths: the landing needs-attention list (with an item), the runs, a
// finished run, the clients overview, a client's page and a lead's page hold at 390 px and
// at 1,280 px; a screenshot of each at each width is saved (docs/screenshots has copies).
func TestDashboardLayoutWidths(t *testing.T) {
	exe := chromium(t)
	ctx := context.Background()
	db := sqldbtest.MustOpen(t, sqldb.SQLite)
	e := mustServe(t, db, web.Config{AdminToken: token}, true)
	run, err := e.r.Trigger(ctx, leadrun.TriggerRequest{Stream: 1, Trigger: leadrun.TriggerCLI})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.r.Wait(ctx, run.ID, 50*time.Millisecond, nil); err != nil {
		t.Fatal(err)
	}
	must(t, db.InTx(ctx, func(tx *sqldb.Tx) error {
		err := tx.ExecRaw(ctx, `DELETE FROM rubrics WHERE client_id = 'Sarah-Chen'`)
		return err
	}))
	leads, err := db.TopLeads(ctx, "Guy-Wilson", 1, false)
	if err != nil || len(leads) == 0 {
		t.Fatalf("no scored lead: %v", err)
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe), chromedp.NoSandbox, chromedp.Flag("disable-dev-shm-usage", true), chromedp.WindowSize(1280, 900))...)
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(allocCtx)
	defer cancelBrowser()
	bctx, cancel := context.WithTimeout(bctx, time.Minute)
	defer cancel()
	base := e.srv.URL
	for i, a := range []chromedp.Action[chromedp.Void]{chromedp.Navigate(base + "/"), chromedp.WaitVisible(chromedp.CSS("#token")),
		chromedp.SendKeys(chromedp.CSS("#token"), token), chromedp.Click(chromedp.CSS("#login")), chromedp.WaitVisible(chromedp.CSS("#attention"))} {
		if err := chromedp.Do(bctx, a); err != nil {
			t.Fatalf("log in (action %d): %v", i+1, err)
		}
	}
	checkLayout(t, bctx, base, screenshotDir(t), map[string]string{
		"attention": "/", "runs": "/runs", "run": "/runs/" + run.ID, "clients": "/clients", "client": "/clients/Guy-Wilson",
		"lead": fmt.Sprintf("/clients/Guy-Wilson/leads/%d", leads[0].ID),
	})
}

// docsPages are the pages whose screenshots README shows (docs/screenshots).
var docsPages = map[string]bool{"attention": true, "runs": true, "run": true, "client": true}

// mustDocsCopy writes the top of a screenshot, small enough to commit (≤ 200 KB): the
// first 900 px of a laptop page, the first 1,500 of a phone's, as an 8-bit paletted PNG.
// scripts/screenshots.sh refreshes docs/screenshots with it.
func mustDocsCopy(t *testing.T, shot []byte, path string) {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(shot))
	if err != nil {
		t.Fatal(err)
	}
	b := img.Bounds()
	height := 900
	if b.Dx() < 600 {
		height = 1500
	}
	b.Max.Y = min(b.Max.Y, b.Min.Y+height)
	out := image.NewPaletted(image.Rect(0, 0, b.Dx(), b.Dy()), palette.WebSafe)
	draw.Draw(out, out.Bounds(), img, b.Min, draw.Src)
	var buf bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&buf, out); err != nil {
		t.Fatal(err)
	}
	if buf.Len() > 200<<10 {
		t.Errorf("%s: %d KB, over the 200 KB a committed screenshot may take", path, buf.Len()>>10)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// Package airtable is leadrun's Airtable side: a small REST client (records, upserts, the
// metadata API), the expected base schema, and the mirror that keeps the agency's "Job
// Tracking" and "Client Run Results" tables in step with the database.
package airtable

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// DefaultAPIURL is Airtable's REST API.
const DefaultAPIURL = "https://api.airtable.com"

// MaxRecordsPerWrite is Airtable's limit of records in one create, update or upsert.
const MaxRecordsPerWrite = 10

// Client speaks Airtable's REST API for one base with a personal access token.
type Client struct {
	apiURL string
	token  string
	base   string
	http   *http.Client
	// ObserveFunc, if set, is called after every request with its HTTP status (0 for a
	// network error): the metrics' leadrun_airtable_requests_total{code}.
	ObserveFunc func(code int)
	// WaitFunc, if set, is called before every request; it blocks until the request may
	// go (the rate limiter shared by all processes).
	WaitFunc func(ctx context.Context) error
	// DoneFunc, if set, is called when a request that WaitFunc let go has ended (answered
	// or failed): Airtable received it by then, so the limiter can count from that time.
	DoneFunc func(ctx context.Context)
}

// NewClient returns a client of base (app…) at apiURL ("" = DefaultAPIURL). The token is
// kept only to sign requests; it never appears in errors.
func NewClient(apiURL, token, base string) *Client {
	if apiURL == "" {
		apiURL = DefaultAPIURL
	}
	return &Client{apiURL: strings.TrimRight(apiURL, "/"), token: token, base: base,
		http: &http.Client{Timeout: 30 * time.Second}}
}

// Base is the base ID the client works on.
func (c *Client) Base() string { return c.base }

// SetTimeout bounds each request (default 30 s).
func (c *Client) SetTimeout(d time.Duration) { c.http.Timeout = d }

// Record is an Airtable record: its ID and fields as Airtable returns them.
type Record struct {
	ID          string         `json:"id,omitempty"`
	CreatedTime string         `json:"createdTime,omitempty"`
	Fields      map[string]any `json:"fields"`
}

// ListOptions select records of a table. Zero values take Airtable's defaults.
type ListOptions struct {
	Fields  []string // only these fields
	Formula string   // filterByFormula (build values with FormulaString)
	View    string
}

// ListRecords returns every record of a table, following Airtable's 100-record pages.
func (c *Client) ListRecords(ctx context.Context, table string, opts ListOptions) ([]Record, error) {
	var all []Record
	err := c.EachPage(ctx, table, opts, func(page []Record) error {
		all = append(all, page...)
		return nil
	})
	return all, err
}

// EachPage calls fn with each page (up to 100 records) of a table, in order, so a large
// table never has to fit in memory; an error from fn stops the listing.
func (c *Client) EachPage(ctx context.Context, table string, opts ListOptions, fn func([]Record) error) error {
	offset := ""
	for {
		records, next, err := c.ListPage(ctx, table, opts, offset)
		if err != nil {
			return err
		}
		if err := fn(records); err != nil {
			return err
		}
		if next == "" {
			return nil
		}
		offset = next
	}
}

// ListPage reads one page (up to 100 records) of a table, starting at offset ("" for the
// first page), and returns the offset of the next page ("" after the last). A caller that
// retries a failed page asks for the same offset again.
func (c *Client) ListPage(ctx context.Context, table string, opts ListOptions, offset string) ([]Record, string, error) {
	q := url.Values{"pageSize": {"100"}}
	for _, f := range opts.Fields {
		q.Add("fields[]", f)
	}
	if opts.Formula != "" {
		q.Set("filterByFormula", opts.Formula)
	}
	if opts.View != "" {
		q.Set("view", opts.View)
	}
	if offset != "" {
		q.Set("offset", offset)
	}
	var page struct {
		Records []Record `json:"records"`
		Offset  string   `json:"offset"`
	}
	if err := c.do(ctx, http.MethodGet, c.tablePath(table)+"?"+q.Encode(), nil, &page); err != nil {
		return nil, "", err
	}
	return page.Records, page.Offset, nil
}

// UpsertResult is the answer of an upsert: the records in request order, and which IDs
// were created (the rest were updated).
type UpsertResult struct {
	Records        []Record `json:"records"`
	CreatedRecords []string `json:"createdRecords"`
	UpdatedRecords []string `json:"updatedRecords"`
}

// Upsert creates or updates up to MaxRecordsPerWrite records, matched on the mergeOn
// fields (performUpsert): a retry never creates a second record. Records with an ID are
// updated by ID.
func (c *Client) Upsert(ctx context.Context, table string, mergeOn []string, records []Record) (*UpsertResult, error) {
	if len(records) > MaxRecordsPerWrite {
		return nil, fmt.Errorf("airtable: %d records in one write, at most %d", len(records), MaxRecordsPerWrite)
	}
	body := map[string]any{"records": records, "typecast": false,
		"performUpsert": map[string]any{"fieldsToMergeOn": mergeOn}}
	var res UpsertResult
	if err := c.do(ctx, http.MethodPatch, c.tablePath(table), body, &res); err != nil {
		return nil, err
	}
	return &res, nil
}

func (c *Client) tablePath(table string) string {
	return "/v0/" + url.PathEscape(c.base) + "/" + url.PathEscape(table)
}

// do sends one request and decodes a JSON answer into out; failures are *Error.
func (c *Client) do(ctx context.Context, method, path string, body, out any) error {
	if c.WaitFunc != nil {
		if err := c.WaitFunc(ctx); err != nil {
			return err
		}
	}
	if c.DoneFunc != nil {
		defer c.DoneFunc(ctx)
	}
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("airtable: encode request: %w", err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.apiURL+path, rd)
	if err != nil {
		return fmt.Errorf("airtable: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.observe(0)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return &Error{Kind: KindTransient, Message: "network: " + stripURL(err)}
	}
	defer resp.Body.Close()
	c.observe(resp.StatusCode)
	data, err := io.ReadAll(io.LimitReader(resp.Body, 32<<20))
	if err != nil {
		return &Error{Kind: KindTransient, Status: resp.StatusCode, Message: "network: reading the answer: " + err.Error()}
	}
	if resp.StatusCode >= 300 {
		return decodeError(resp.StatusCode, data)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return &Error{Kind: KindTransient, Status: resp.StatusCode, Message: "unreadable answer: " + err.Error()}
	}
	return nil
}

func (c *Client) observe(code int) {
	if c.ObserveFunc != nil {
		c.ObserveFunc(code)
	}
}

// stripURL keeps a network error's cause without the request URL (which names the base).
func stripURL(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		if ue.Timeout() {
			return "timeout"
		}
		return ue.Err.Error()
	}
	return err.Error()
}

package ingest

import (
	"encoding/json"
	"io"
	"strings"
	"time"

	"github.com/leadrun/leadrun"
)

// postRecord is leadrun's post format in files.
type postRecord struct {
	ProfileURL     string `json:"profile_url"`
	PostURL        string `json:"post_url"`
	Content        string `json:"content"`
	PostedAt       string `json:"posted_at"`
	IsRepost       bool   `json:"is_repost"`
	OriginalAuthor string `json:"original_author"`
}

// DecodePosts reads the posts of one client from format "json": an array of objects (or
// one object) with profile_url, post_url, content, posted_at (RFC 3339 or a date),
// is_repost and original_author. Unknown fields make an item fail. Posts repeated for the
// same lead and post URL are merged, the last one winning. Errors are as for ReadLeads.
func DecodePosts(r io.Reader, format string, clientID string) ([]leadrun.PostInput, []leadrun.ItemError, error) {
	if format != FormatJSON {
		return nil, nil, invalidf("post format %q is not supported: use json", format)
	}
	if !leadrun.ValidClientID(clientID) {
		return nil, nil, invalidf("invalid client_id %q", clientID)
	}
	var (
		posts []leadrun.PostInput
		errs  []leadrun.ItemError
		seen  = map[string]int{} // profile key + post URL → index in posts
	)
	err := readJSONItems(r, "posts", func(i int, raw json.RawMessage) {
		p, err := postFromJSON(raw, clientID)
		if err != nil {
			errs = append(errs, leadrun.ItemError{Index: i, Reason: errorMessage(err)})
			return
		}
		key := p.ProfileKey + "\x00" + p.Post.PostURL
		if j, ok := seen[key]; ok {
			posts[j] = *p
			return
		}
		seen[key] = len(posts)
		posts = append(posts, *p)
	})
	if err != nil {
		return nil, nil, err
	}
	return posts, errs, nil
}

func postFromJSON(raw json.RawMessage, clientID string) (*leadrun.PostInput, error) {
	var rec postRecord
	if b := strings.TrimSpace(string(raw)); !strings.HasPrefix(b, "{") {
		return nil, invalidf("item is %s, want an object", jsonKind(raw))
	}
	if err := strictUnmarshal(raw, &rec); err != nil {
		return nil, err
	}
	key, err := leadrun.ProfileKey(rec.ProfileURL)
	if err != nil {
		return nil, invalidf("profile_url: %s", errorMessage(err))
	}
	p := &leadrun.PostInput{ProfileKey: key, Post: leadrun.Post{
		ClientID:       clientID,
		PostURL:        strings.TrimSpace(rec.PostURL),
		Content:        strings.TrimSpace(rec.Content),
		IsRepost:       rec.IsRepost,
		OriginalAuthor: strings.TrimSpace(rec.OriginalAuthor),
	}}
	if p.Post.PostURL == "" {
		return nil, invalidf("post_url is required")
	}
	repairs, err := p.Post.CleanText()
	if err != nil {
		return nil, err
	}
	p.Repairs = repairs
	if s := strings.TrimSpace(rec.PostedAt); s != "" {
		t, err := parsePostedAt(s)
		if err != nil {
			return nil, err
		}
		p.Post.PostedAt = &t
	}
	return p, nil
}

// parsePostedAt accepts RFC 3339 (with or without fractional seconds) or a plain date.
func parsePostedAt(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	return time.Time{}, invalidf("posted_at %q must be RFC 3339 (2025-09-23T08:00:00Z) or a date (2025-09-23)", s)
}

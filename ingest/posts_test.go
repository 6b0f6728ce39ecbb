package ingest

import (
	"strings"
	"testing"
	"time"
)

func TestDecodePosts(t *testing.T) {
	t.Parallel()
	in := `[
	  {"profile_url": "https://www.linkedin.com/in/ann/", "post_url": "https://www.linkedin.com/posts/ann_1",
	   "content": " AI changed my coaching. ", "posted_at": "2025-09-23T08:30:00+10:00"},
	  {"profile_url": "https://linkedin.com/in/ann", "post_url": "https://www.linkedin.com/posts/ann_2",
	   "content": "Great!", "posted_at": "2025-09-20", "is_repost": true, "original_author": "https://linkedin.com/in/zed"},
	  {"profile_url": "https://linkedin.com/in/ann", "post_url": "https://www.linkedin.com/posts/ann_1", "content": "edited"},
	  {"profile_url": "https://linkedin.com/in/bob", "post_url": "https://www.linkedin.com/posts/ann_1", "content": "same URL, other lead"},
	  {"profile_url": "https://linkedin.com/in/bob", "post_url": ""},
	  {"profile_url": "", "post_url": "x"},
	  {"profile_url": "linkedin.com/in/bob", "post_url": "x", "posted_at": "yesterday"},
	  {"profile_url": "linkedin.com/in/bob", "post_url": "x", "likes": 3},
	  [1]
	]`
	posts, errs, err := DecodePosts(strings.NewReader(in), "json", "Guy-Wilson")
	if err != nil {
		t.Fatal(err)
	}
	checkItemErrors(t, errs, map[int]string{4: "post_url is required", 5: "profile_url", 6: "posted_at",
		7: `unknown field "likes"`, 8: "item is a list"})
	if len(posts) != 3 {
		t.Fatalf("posts = %+v, want 3", posts)
	}
	first := posts[0]
	if first.ProfileKey != "linkedin.com/in/ann" || first.Post.Content != "edited" || first.Post.PostedAt != nil {
		t.Errorf("first = %+v, want the later duplicate", first)
	}
	second := posts[1].Post
	wantAt := time.Date(2025, 9, 20, 0, 0, 0, 0, time.UTC)
	if !second.IsRepost || second.OriginalAuthor != "https://linkedin.com/in/zed" || second.PostedAt == nil ||
		!second.PostedAt.Equal(wantAt) || second.ClientID != "Guy-Wilson" {
		t.Errorf("second = %+v", second)
	}
	if posts[2].ProfileKey != "linkedin.com/in/bob" {
		t.Errorf("third = %+v", posts[2])
	}
}

func TestDecodePostsTime(t *testing.T) {
	t.Parallel()
	in := `{"profile_url": "linkedin.com/in/a", "post_url": "p", "posted_at": "2025-09-23T08:30:00.5+10:00"}`
	posts, errs, err := DecodePosts(strings.NewReader(in), "json", "Guy-Wilson")
	if err != nil || len(errs) != 0 || len(posts) != 1 {
		t.Fatalf("%v %v %v", posts, errs, err)
	}
	want := time.Date(2025, 9, 22, 22, 30, 0, 5e8, time.UTC)
	if at := posts[0].Post.PostedAt; at == nil || !at.Equal(want) || at.Location() != time.UTC {
		t.Errorf("posted_at = %v, want %v in UTC", at, want)
	}
}

func TestDecodePostsBroken(t *testing.T) {
	t.Parallel()
	_, _, err := DecodePosts(strings.NewReader(`[]`), "csv", "Guy-Wilson")
	mustInvalid(t, err, "use json")
	_, _, err = DecodePosts(strings.NewReader(`[`), "json", "Guy-Wilson")
	mustInvalid(t, err, "ends too early")
	_, _, err = DecodePosts(strings.NewReader(`[]`), "json", "")
	mustInvalid(t, err, "client_id")
	posts, errs, err := DecodePosts(strings.NewReader(`[]`), "json", "Guy-Wilson")
	if err != nil || len(posts) != 0 || len(errs) != 0 {
		t.Errorf("empty array: %v %v %v", posts, errs, err)
	}
}

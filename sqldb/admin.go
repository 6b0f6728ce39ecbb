package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

var databaseName = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)

// CreatePostgresDatabase creates database name on the server of adminURL and returns the
// URL of the new database. Tests and benchmarks use it to work on a database of their own.
func CreatePostgresDatabase(ctx context.Context, adminURL, name string) (string, error) {
	if !databaseName.MatchString(name) {
		return "", fmt.Errorf("invalid database name %q", name)
	}
	admin, err := sql.Open("pgx", adminURL)
	if err != nil {
		return "", err
	}
	defer admin.Close()
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		return "", fmt.Errorf("create database %s on %s: %w", name, redactURL(adminURL), err)
	}
	u, err := url.Parse(adminURL)
	if err != nil {
		return "", err
	}
	u.Path = "/" + name
	return strings.Replace(u.String(), "postgresql://", "postgres://", 1), nil
}

// DropPostgresDatabase drops database name (closing its connections) on adminURL's server.
func DropPostgresDatabase(ctx context.Context, adminURL, name string) error {
	if !databaseName.MatchString(name) {
		return fmt.Errorf("invalid database name %q", name)
	}
	admin, err := sql.Open("pgx", adminURL)
	if err != nil {
		return err
	}
	defer admin.Close()
	_, err = admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	return err
}

package api

import (
	"context"
	"encoding/base64"
	"errors"
	"strings"

	"github.com/coreos/go-oidc/v3/oidc"

	"scpo/api/web"
	"scpo/domain"
)

// Opaque tokens are short; a signed JWT from an identity provider is often
// over a kilobyte, so it is allowed more room.
const (
	maxOpaqueToken = 512
	maxJWT         = 8 << 10
)

// maxTokenLen is the longest bearer token worth looking at.
func (s *Server) maxTokenLen(token string) int {
	if s.jwt != nil && isJWT(token) {
		return maxJWT
	}
	return maxOpaqueToken
}

// officerFor finds the active officer behind a bearer token: a JWT from
// the OIDC issuer when JWT login is on and the token has that shape,
// otherwise one of the service's own tokens. Any failure to authenticate
// is domain.ErrUnauthenticated.
func (s *Server) officerFor(ctx context.Context, token string) (domain.Officer, error) {
	if s.jwt != nil && isJWT(token) {
		return s.jwtOfficer(ctx, token)
	}
	return s.store.Authenticate(ctx, token)
}

// isJWT reports whether token has the compact JWS shape: three base64url
// parts separated by dots, the first a JSON object (the JOSE header). The
// service's own tokens have no dots, and the header test keeps an operator's
// dotted SCPO_BOOTSTRAP_TOKEN from being taken for one.
func isJWT(token string) bool {
	parts := strings.Split(token, ".")
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" {
		return false
	}
	for _, p := range parts {
		if strings.IndexFunc(p, func(r rune) bool {
			return !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_')
		}) >= 0 {
			return false
		}
	}
	header, err := base64.RawURLEncoding.DecodeString(parts[0])
	return err == nil && len(header) > 0 && header[0] == '{'
}

// jwtOfficer verifies a JWT (signature, issuer, audience, expiry) and finds
// the active officer with its email. Neither the token nor the email is
// logged: only why it was refused.
func (s *Server) jwtOfficer(ctx context.Context, token string) (domain.Officer, error) {
	refuse := func(reason string) (domain.Officer, error) {
		s.log.DebugContext(ctx, "bearer JWT refused", "reason", reason)
		return domain.Officer{}, domain.ErrUnauthenticated
	}
	idToken, err := s.jwt.Verify(ctx, token)
	if err != nil {
		var expired *oidc.TokenExpiredError
		if errors.As(err, &expired) {
			return refuse("expired")
		}
		return refuse("not verified")
	}
	var claims web.IDClaims
	if err := idToken.Claims(&claims); err != nil {
		return refuse("claims unreadable")
	}
	email, why := claims.VerifiedEmail()
	if why != "" {
		return refuse(why)
	}
	officer, err := s.store.OfficerByEmail(ctx, email)
	if errors.Is(err, domain.ErrNotFound) {
		return refuse("no officer")
	}
	if err != nil {
		return domain.Officer{}, err
	}
	if !officer.Active {
		return refuse("officer deactivated")
	}
	return officer, nil
}

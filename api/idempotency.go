package api

import (
	"bytes"
	"crypto/sha256"
	"io"
	"net/http"

	"github.com/labstack/echo/v4"

	"scpo/domain"
)

// idempotency makes a POST with an Idempotency-Key safe to retry. The key
// belongs to the calling officer. The first request's answer (any status
// below 500) is stored for 24 hours; a repeat with the same key, path and
// body gets that answer again, marked Idempotent-Replayed: true, and
// changes nothing. The same key with a different path or body is 422. A
// repeat while the first is still running, or whose first made its change
// but lost its answer, is 409: the change is not made twice.
func (s *Server) idempotency(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		key := c.Request().Header.Get("Idempotency-Key")
		if c.Request().Method != http.MethodPost || key == "" {
			return next(c)
		}
		if len(key) > 255 || !printableASCII(key) {
			return domain.Invalid("Idempotency-Key", "must be 1 to 255 printable ASCII characters")
		}
		body, err := io.ReadAll(io.LimitReader(c.Request().Body, bodyLimit(c)+1))
		if err != nil {
			return malformed("the request body could not be read")
		}
		c.Request().Body = io.NopCloser(bytes.NewReader(body))
		h := sha256.New()
		h.Write([]byte(c.Request().URL.Path + "?" + c.Request().URL.RawQuery + "\n"))
		h.Write(body)
		req := &domain.IdempotentRequest{OfficerID: actor(c).ID, Key: key, RequestHash: h.Sum(nil)}

		ctx := ctxOf(c)
		prev, err := s.store.IdempotentAnswer(ctx, req.OfficerID, key)
		if err != nil {
			return err
		}
		if prev != nil {
			if !bytes.Equal(prev.RequestHash, req.RequestHash) {
				return domain.Invalid("Idempotency-Key", "was used in the last 24 hours for a different request")
			}
			if prev.Status == 0 {
				return domain.Conflict("Idempotency-Key",
					"a request with this key is being processed, or was carried out and its answer lost; read the resource")
			}
			hd := c.Response().Header()
			hd.Set("Idempotent-Replayed", "true")
			if prev.ContentType != "" {
				hd.Set(echo.HeaderContentType, prev.ContentType)
			}
			if prev.Location != "" {
				hd.Set(echo.HeaderLocation, prev.Location)
			}
			c.Response().WriteHeader(prev.Status)
			_, err := c.Response().Write(prev.Body)
			return err
		}

		c.SetRequest(c.Request().WithContext(domain.WithIdempotency(ctx, req)))
		rec := &recorder{ResponseWriter: c.Response().Writer}
		c.Response().Writer = rec
		err = next(c)
		// An answer that broke off while it was being sent (the client
		// gone, the connection cut) is whole in rec, and the change it
		// reports is made: it is kept before the answer is cut off (the
		// error handler aborts a response that failed after it began), or
		// the retry that follows would find the key claimed and no answer
		// for a day. An answer that failed for another reason once begun
		// (its body not all written) is cut off unkept, as before.
		brokenOff := err != nil && c.Response().Committed && rec.sendErr != nil
		if err != nil && !brokenOff {
			c.Error(err)
		}
		s.keepAnswer(c, req, rec, err)
		if brokenOff {
			c.Error(err)
		}
		return nil
	}
}

// keepAnswer stores the answer rec holds as the key's, unless it is a
// failure (5xx) or a repeat refused because the first request holds the
// key (it has no answer of its own to keep).
func (s *Server) keepAnswer(c echo.Context, req *domain.IdempotentRequest, rec *recorder, err error) {
	status := c.Response().Status
	if status >= 500 || domain.IsKeyInUse(err) {
		return
	}
	hd := c.Response().Header()
	if err := s.store.SaveIdempotentAnswer(ctxWithoutCancel(c), req, domain.IdempotentAnswer{RequestHash: req.RequestHash,
		Status: status, ContentType: hd.Get(echo.HeaderContentType), Location: hd.Get(echo.HeaderLocation),
		Body: rec.body.Bytes()}); err != nil {
		s.log.Error("idempotent answer not stored", "request_id", hd.Get(echo.HeaderXRequestID), "error", err)
	}
}

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// recorder keeps a copy of the body written, and the first error in
// sending it. A write is kept whether or not it reached the client: the
// answers kept are written whole in one write (respond).
type recorder struct {
	http.ResponseWriter
	body    bytes.Buffer
	sendErr error
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.body.Len() < 4*maxBody {
		r.body.Write(b)
	}
	n, err := r.ResponseWriter.Write(b)
	if err != nil && r.sendErr == nil {
		r.sendErr = err
	}
	return n, err
}

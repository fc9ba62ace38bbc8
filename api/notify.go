package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"scpo/domain"
)

type notificationsRequest struct {
	Mode *string `json:"mode"`
}

// myNotifications answers the caller's own mail preference.
func (s *Server) myNotifications(c echo.Context) error {
	mode, err := s.store.NotificationPref(ctxOf(c), actor(c).ID)
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, domain.NotificationSettings{Mode: mode})
}

// setMyNotifications records the caller's own mail preference: digest
// (daily), immediate or off.
func (s *Server) setMyNotifications(c echo.Context) error {
	var req notificationsRequest
	v, err := bindFields(c, &req)
	if err != nil {
		return err
	}
	if req.Mode == nil && !v.Has("mode") {
		v.Add("mode", "is required: digest, immediate or off")
	}
	if err := v.Err(); err != nil {
		return err
	}
	if err := s.store.SetNotificationPref(ctxOf(c), actor(c).ID, *req.Mode); err != nil {
		return err
	}
	return respond(c, http.StatusOK, domain.NotificationSettings{Mode: *req.Mode})
}

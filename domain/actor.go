package domain

import "context"

type actorKey struct{}

// WithActor records who is acting, so stores can stamp who did what.
func WithActor(ctx context.Context, o Officer) context.Context {
	return context.WithValue(ctx, actorKey{}, o)
}

// ActorFrom returns the acting officer, if any.
func ActorFrom(ctx context.Context) (Officer, bool) {
	o, ok := ctx.Value(actorKey{}).(Officer)
	return o, ok
}

namespace Signing.Store;

public sealed partial class GroupCommitSubmitter
{
    /// <summary>
    /// The token of one commit: cancelled at the timeout, or once every caller of the commit has given up (a caller
    /// without a deadline never gives up). Cancelling runs Npgsql's cancel request, which may wait on a stalled server:
    /// it runs on the thread pool, never on a caller's thread.
    /// </summary>
    private sealed class BatchDeadline : IDisposable
    {
        private readonly CancellationTokenSource _source;
        private readonly List<CancellationTokenRegistration> _registrations = [];
        private int _waiting;

        public BatchDeadline(IReadOnlyList<Pending> items, TimeSpan timeout)
        {
            _source = new CancellationTokenSource(timeout);
            if (items.Any(p => !p.Ct.CanBeCanceled))
                return;
            _waiting = items.Count;
            foreach (var p in items)
                _registrations.Add(p.Ct.UnsafeRegister(static state =>
                {
                    var self = (BatchDeadline)state!;
                    if (Interlocked.Decrement(ref self._waiting) == 0)
                        ThreadPool.UnsafeQueueUserWorkItem(static s => s.Cancel(), self._source, preferLocal: false);
                }, this));
        }

        public CancellationToken Token => _source.Token;
        public bool TimedOut => _waiting > 0 || _registrations.Count == 0;

        public void Dispose()
        {
            // Disposing a registration waits for its callback: after this no caller queues a cancellation.
            foreach (var r in _registrations)
                r.Dispose();
            // Kept when a cancellation was queued on the thread pool (it still runs against the source).
            if (TimedOut)
                _source.Dispose();
        }
    }
}

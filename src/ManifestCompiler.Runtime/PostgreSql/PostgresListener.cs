using Npgsql;

namespace ManifestCompiler.Runtime.PostgreSql;

/// <summary>
/// A wake-up fed by <c>LISTEN</c> on one channel, on a connection of its own started at the first
/// <see cref="NextWakeup"/>: every notification (from any host, delivered when its transaction commits) completes the
/// tasks handed out before it. A broken connection is opened again after a second; on (re)connecting the waiters are
/// woken once, for anything sent while nobody listened. Callers poll as well.
/// </summary>
internal sealed class PostgresListener(NpgsqlDataSource dataSource, string channel) : IAsyncDisposable
{
    private readonly RunQueueSignal _signal = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly object _gate = new();
    private Task? _listener;
    private int _disposed;

    public Task NextWakeup()
    {
        lock (_gate)
        {
            _listener ??= Task.Run(ListenAsync);
        }
        return _signal.NextWakeup();
    }

    /// <summary>Wakes this process's waiters now (what this host stored itself).</summary>
    public void Set() => _signal.Set();

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }
        await _stop.CancelAsync().ConfigureAwait(false);
        Task? listener;
        lock (_gate)
        {
            listener = _listener;
        }
        if (listener is not null)
        {
            await listener.ConfigureAwait(false);
        }
        _stop.Dispose();
    }

    private async Task ListenAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(_stop.Token).ConfigureAwait(false);
                connection.Notification += (_, _) => _signal.Set();
                await PostgresCommands.ExecuteAsync(connection, null, "LISTEN " + channel, _stop.Token).ConfigureAwait(false);
                _signal.Set();
                while (true)
                {
                    await connection.WaitAsync(_stop.Token).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or System.IO.IOException or TimeoutException)
            {
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), _stop.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }
}

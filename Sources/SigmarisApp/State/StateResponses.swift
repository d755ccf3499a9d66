import Hummingbird
import SigmarisStore

/// `GET /api/state/latest`: `snapshot` is null before the user's first turn.
struct LatestSnapshotResponse: ResponseEncodable {
    var ok = true
    var snapshot: StateSnapshot?
}

/// `GET /api/state/timeseries`: oldest first.
struct TimeseriesResponse: ResponseEncodable {
    var ok = true
    var snapshots: [StateSnapshotPoint]
}

/// How a result column's cells travel (`PQfformat`): text, as `psql` prints them, or the type's binary
/// send form. A statement asks for one or the other when it runs; every column of the result then has it.
public enum PostgresFormat: Int32, Sendable {
    case text = 0
    case binary = 1
}

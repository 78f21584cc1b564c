<?php
declare(strict_types=1);

namespace SalesChannel\Reservations\Api\Data;

/**
 * One recorded shipment or track change.
 *
 * @api
 */
interface OutboxEntryInterface
{
    public const ENTRY_ID = 'entry_id';
    public const EVENT = 'event';
    public const SHIPMENT_ID = 'shipment_id';
    public const ORDER_ID = 'order_id';
    public const PAYLOAD = 'payload';
    public const CREATED_AT = 'created_at';

    /**
     * @return int
     */
    public function getEntryId(): int;

    /**
     * shipment_saved, track_saved or track_deleted.
     *
     * @return string
     */
    public function getEvent(): string;

    /**
     * @return int
     */
    public function getShipmentId(): int;

    /**
     * @return int
     */
    public function getOrderId(): int;

    /**
     * The shipment snapshot, JSON: shipment, order, items, tracks, source.
     *
     * @return string
     */
    public function getPayload(): string;

    /**
     * @return string
     */
    public function getCreatedAt(): string;
}

<?php
declare(strict_types=1);

namespace SalesChannel\Reservations\Api\Data;

/**
 * @api
 */
interface CommandInterface
{
    public const RESERVATION_KEY = 'reservation_key';
    public const STOCK_ID = 'stock_id';
    public const ITEMS = 'items';
    public const METADATA = 'metadata';

    /**
     * @return string
     */
    public function getReservationKey(): string;

    /**
     * @param string $reservationKey
     * @return $this
     */
    public function setReservationKey(string $reservationKey): self;

    /**
     * @return int
     */
    public function getStockId(): int;

    /**
     * @param int $stockId
     * @return $this
     */
    public function setStockId(int $stockId): self;

    /**
     * @return \SalesChannel\Reservations\Api\Data\ItemInterface[]
     */
    public function getItems(): array;

    /**
     * @param \SalesChannel\Reservations\Api\Data\ItemInterface[] $items
     * @return $this
     */
    public function setItems(array $items): self;

    /**
     * @return \SalesChannel\Reservations\Api\Data\MetadataInterface
     */
    public function getMetadata(): MetadataInterface;

    /**
     * @param \SalesChannel\Reservations\Api\Data\MetadataInterface $metadata
     * @return $this
     */
    public function setMetadata(MetadataInterface $metadata): self;
}
